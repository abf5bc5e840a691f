// jxlgw demo page. Protocol: docs/protocol.md. No build step, no external resources.
// The protocol part (transports, resume, dedupe, backoff, heartbeat) is the SDK at /sdk/jxlgw.js;
// this file is only the page. Force a transport with ?transport=websocket|sse|poll.

import { OrderClient } from '/sdk/jxlgw.js';

// ---------------------------------------------------------------- page

const $ = (id) => document.getElementById(id);
const setText = (id, t) => { $(id).textContent = t; };
const SCREEN = {
  await_password: 'password', verifying: 'verifying', await_sms: 'sms',
  await_query_password: 'query', finished: 'done', failed: 'failed',
};
const INFO = {
  await_password: 'password-info', verifying: 'verifying-info', await_sms: 'sms-info',
  await_query_password: 'query-info', finished: 'done-info', failed: 'failed-info',
};
const FOCUS = { await_password: 'password', await_sms: 'sms', await_query_password: 'query' };
const CLEAR_ON = { wrong_password: 'password', wrong_sms: 'sms', wrong_query_password: 'query' };
const CONN_TEXT = {
  idle: '未连接', connecting: '连接中', connected: '已连接', reconnecting: '重连中',
  closed: '已断开', replaced: '已在别处打开', expired: '已过期', error: '连接错误',
};
const defaults = {};   // initial text of the info paragraphs, restored on start again
const FORCED = new URLSearchParams(location.search).get('transport');   // websocket | sse | poll
const TRANSPORT = ['websocket', 'sse', 'poll'].includes(FORCED) ? FORCED : 'auto';
let client = null;
let state = '';

function log(kind, text) {
  const ol = $('log');
  const atEnd = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 8;
  const li = document.createElement('li');
  li.className = kind;
  li.dataset.t = new Date().toTimeString().slice(0, 8);
  li.textContent = text;
  ol.append(li);
  while (ol.childElementCount > 500) ol.firstElementChild.remove();
  if (atEnd) ol.scrollTop = ol.scrollHeight;
}

function show(screen) {
  for (const s of document.querySelectorAll('.screen')) s.hidden = s.id !== `screen-${screen}`;
}

function busy(on) {
  for (const b of document.querySelectorAll('.screen button')) b.disabled = on;
}

function focusForm() {
  const el = FOCUS[state] && $(FOCUS[state]);
  if (el && !$('error-dialog').open) el.focus();
}

function setState(next) {
  document.body.dataset.state = next;
  if (next === state) return;
  state = next;
  show(SCREEN[next] || 'verifying');
  focusForm();
}

function showError(ev) {
  setText('error-info', ev.processInfo || ev.detail || ev.code || '未知错误');
  setText('error-code', ev.code || '');
  setText('error-pcode', ev.processCode ? `processCode ${ev.processCode}` : '');
  setText('error-detail', ev.detail || '');
  const d = $('error-dialog');
  if (!d.open) d.showModal();
}

function onEvent(ev) {
  const infoEl = INFO[ev.state];
  switch (ev.type) {
    case 'state': case 'progress': case 'prompt_sms': case 'prompt_query_password': case 'finish':
      if (ev.processInfo && infoEl) setText(infoEl, ev.processInfo);
      if (ev.type === 'prompt_sms') $('sms').value = '';
      break;
    case 'error':
      if (CLEAR_ON[ev.code]) $(CLEAR_ON[ev.code]).value = '';
      if (ev.state === 'failed') {
        setText('failed-info', ev.processInfo || '授权失败');
        setText('failed-code', ev.code || '');
      }
      showError(ev);
      break;
  }
  if (ev.type !== 'ack' && ev.type !== 'pong') busy(false);   // an ack alone does not end the wait
  // The screen follows client.state (onState), which ignores the older state of a late ack.
  if (client && client.state) setState(client.state);
}

function onState(next) {
  setState(next);
  if (next === 'finished' || next === 'failed') clearSecrets();
}

function onClose({ code }) {
  busy(false);
  const texts = {
    4001: ['此订单已在其他页面打开', 'This order was opened elsewhere (4001).'],
    4004: ['订单已过期', 'The order expired (4004). Start again.'],
    4401: ['授权凭证无效', 'The gateway refused the ticket. Start again.'],
  }[code];
  if (code === 1000 && (state === 'finished' || state === 'failed')) return;
  const [title, info] = texts || ['连接已关闭', `Connection closed (${code}).`];
  setText('closed-title', title);
  setText('closed-info', info);
  show('closed');
}

function onStatus(s) {
  document.body.dataset.conn = s;
  const c = $('conn');
  c.textContent = `${CONN_TEXT[s] || s} `;
  const small = document.createElement('small');
  small.textContent = s;
  c.append(small);
}

function clearSecrets() {
  for (const id of ['password', 'sms', 'query']) $(id).value = '';
}

/** Runs one SDK call (a promise that settles on the gateway's ack); shows why it failed. */
function send(call) {
  if (!client) return Promise.resolve(false);
  return call(client).then(() => true, (err) => {
    busy(false);
    // bad_request: the gateway's refusal was an error event, which onEvent shows already.
    if (err.code === 'not_connected' || err.code === 'disconnected' || err.code === 'timeout' || err.code === 'network') {
      showError({ code: err.code, processInfo: '网络连接中，请稍后再试。', detail: err.message });
    } else if (err.code !== 'bad_request' && err.code !== 'closed') {
      showError({ code: err.code, processInfo: '请求失败，请稍后再试。', detail: err.message });
    }
    return false;
  });
}

function submit(e, call) {
  e.preventDefault();
  busy(true);   // until the next event; the gateway answers with progress (verifying) or an error
  setText('verifying-info', defaults['verifying-info']);
  send(call);
}

function onTransport(t) {
  document.body.dataset.transport = t;
}

async function startOrder(e) {
  e.preventDefault();
  const body = {
    name: $('name').value.trim(),
    idCardNum: $('idcard').value.trim().toUpperCase(),
    phone: $('phone').value.trim(),
    uid: `demo-${Math.random().toString(36).slice(2, 10)}`,
    consent: { given: true, at: new Date().toISOString(), version: 'demo-v1' },
  };
  $('start').disabled = true;
  log('out', `POST orders ${JSON.stringify(body)}`);
  try {
    const r = await fetch(new URL('orders', document.baseURI), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const j = await r.json().catch(() => ({}));
    log('in', `${r.status} ${JSON.stringify({ ...j, ticket: j.ticket ? '***' : undefined })}`);
    if (!r.ok || !j.ticket || !j.wsUrl) {
      showError({ code: j.error || `http_${r.status}`, processInfo: j.message || '创建订单失败，请稍后再试。' });
      return;
    }
    openOrder(j, body.phone);
  } catch (err) {
    showError({ code: 'network', processInfo: '网络错误，请检查网络后重试。', detail: String(err && err.message) });
  } finally {
    $('start').disabled = false;
  }
}

function openOrder(order, phone) {
  document.body.dataset.order = order.orderId || '';
  $('account').value = phone;
  setText('verifying-info', '正在连接… connecting');
  show('verifying');
  client = new OrderClient({
    baseUrl: location.origin, orderId: order.orderId, ticket: order.ticket, wsUrl: order.wsUrl,
    transport: TRANSPORT, onEvent, onState, onStatus, onClose, onTransport,
    logger: (line, kind) => log(kind === 'sys' ? 'sys' : `${kind === 'out' ? 'out' : 'in'}${kind === 'dup' ? ' dup' : ''}${/"type":"p[io]ng"/.test(line) ? ' hb' : ''}`, line),
  });
  client.connect();
}

function restart() {
  if (client) client.close();
  client = null;
  state = '';
  document.body.dataset.state = '';
  delete document.body.dataset.order;
  clearSecrets();
  for (const [id, t] of Object.entries(defaults)) setText(id, t);
  setText('failed-code', '');
  $('consent').checked = false;   // consent is given per order
  onStatus('idle');
  busy(false);
  show('start');
}

function init() {
  for (const id of Object.values(INFO)) defaults[id] = $(id).textContent;
  $('start-form').addEventListener('submit', startOrder);
  $('password-form').addEventListener('submit', (e) => submit(e,
    (c) => c.submitPassword($('password').value, { account: $('account').value.trim() })));
  $('sms-form').addEventListener('submit', (e) => submit(e, (c) => c.submitSms($('sms').value.trim())));
  $('query-form').addEventListener('submit', (e) => submit(e, (c) => c.submitQueryPassword($('query').value)));
  $('resend').addEventListener('click', () => send((c) => c.resendSms()));
  $('sms').addEventListener('input', (e) => { e.target.value = e.target.value.replace(/\D/g, '').slice(0, 8); });
  for (const b of document.querySelectorAll('.restart')) b.addEventListener('click', restart);
  for (const b of document.querySelectorAll('[data-fill]')) {
    b.addEventListener('click', () => { $(b.dataset.for).value = b.dataset.fill; });
  }
  $('error-dialog').addEventListener('close', focusForm);
  $('log-hb').addEventListener('change', (e) => $('log').classList.toggle('nohb', e.target.checked));
  $('log-clear').addEventListener('click', () => $('log').replaceChildren());
  // The SDK reconnects by itself on visibilitychange and online.
  document.body.dataset.transport = TRANSPORT === 'auto' ? '' : TRANSPORT;
  // Test hook: window.jxlDemo.client is the current OrderClient (state, lastSeq, transport, status, ...).
  window.jxlDemo = { get client() { return client; }, get conn() { return client; }, OrderClient, transport: TRANSPORT };
}

init();   // module scripts run after the document is parsed
