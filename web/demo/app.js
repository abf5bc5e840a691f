// jxlgw demo page. Protocol: docs/protocol.md. No build step, no external resources.
// OrderSocket is the protocol part (socket, resume, dedupe, backoff, heartbeat) and knows
// nothing about the DOM; everything below it is the page.

const STOP_CODES = new Set([1000, 4001, 4004]);        // §7: do not reconnect
const CLIENT_BUG_CODES = new Set([1003, 1008, 1009]);  // §7: "fix the client"; retrying cannot help
const SECRET_KEYS = new Set(['password', 'code', 'queryPassword']);
const PING_MS = 20000;
const STALE_MS = 50000;    // nothing received for this long on an open socket: treat it as dead
const BACKOFF_MS = 500;
const BACKOFF_CAP_MS = 10000;

/** Masks secrets in an outgoing message for display. */
const masked = (msg) => JSON.stringify(msg, (k, v) => (SECRET_KEYS.has(k) && typeof v === 'string' ? '***' : v));

/**
 * One order's WebSocket: connects with the ticket, resumes with since=<last logged seq>,
 * drops duplicate replays, reconnects with backoff and jitter, and pings every 20 s.
 * Callbacks (all optional): event(ev), status(s), log(kind, text), end(code, reason).
 * status is idle | connecting | connected | reconnecting | closed | replaced | expired | error.
 */
class OrderSocket {
  constructor(wsUrl, ticket, on = {}) {
    this.wsUrl = wsUrl;
    this.ticket = ticket;
    this.on = on;
    this.ws = null;          // the current socket while connecting or open, else null
    this.lastSeq = null;     // highest seq of logged events seen (null: none yet, connect without since)
    this.attempt = 0;
    this.timer = 0;
    this.pinger = 0;
    this.openedAt = 0;
    this.lastRx = 0;
    this.msgId = 0;
    this.dropped = false;
    this.stopped = false;
    this.status = 'idle';
  }

  emit(name, ...args) { if (this.on[name]) this.on[name](...args); }

  setStatus(s) { if (s !== this.status) { this.status = s; this.emit('status', s); } }

  get isOpen() { return this.ws !== null && this.ws.readyState === WebSocket.OPEN; }

  connect() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.stopped || this.ws) return;
    const u = new URL(this.wsUrl, location.href);  // wsUrl may be ws(s)://… or a path
    if (u.protocol === 'http:') u.protocol = 'ws:';
    if (u.protocol === 'https:') u.protocol = 'wss:';
    u.searchParams.set('ticket', this.ticket);
    if (this.lastSeq !== null) u.searchParams.set('since', String(this.lastSeq));
    const shown = [...u.searchParams].map(([k, v]) => `${k}=${k === 'ticket' ? '***' : v}`).join('&');
    this.emit('log', 'sys', `connect ${u.pathname}?${shown}`);
    this.setStatus(this.dropped ? 'reconnecting' : 'connecting');
    const ws = new WebSocket(u.href);
    this.ws = ws;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.openedAt = this.lastRx = Date.now();
      this.setStatus('connected');
      this.pinger = setInterval(() => this.heartbeat(), PING_MS);
    };
    ws.onmessage = (m) => { if (ws === this.ws) this.receive(m.data); };
    ws.onclose = (c) => { if (ws === this.ws) this.closed(c.code, c.reason); };
  }

  receive(data) {
    this.lastRx = Date.now();
    let ev;
    try { ev = JSON.parse(data); } catch { this.emit('log', 'in', String(data)); return; }
    const logged = !ev.ephemeral && Number.isInteger(ev.seq);
    const dup = logged && this.lastSeq !== null && ev.seq <= this.lastSeq;
    this.emit('log', ev.type === 'pong' ? 'in hb' : dup ? 'in dup' : 'in', data);
    if (dup) return;
    if (logged) this.lastSeq = ev.seq;
    // A snapshot carries the latest logged seq (§5); after a resync it replaces ours, even downwards.
    else if (ev.type === 'state' && Number.isInteger(ev.seq) && (ev.resync || this.lastSeq === null)) this.lastSeq = ev.seq;
    this.emit('event', ev);
  }

  closed(code, reason) {
    this.detach();
    this.emit('log', 'sys', `closed ${code} ${reason}`.trim());
    if (STOP_CODES.has(code) || CLIENT_BUG_CODES.has(code)) {
      this.stopped = true;
      this.setStatus({ 1000: 'closed', 4001: 'replaced', 4004: 'expired' }[code] || 'error');
      this.emit('end', code, reason);
      return;
    }
    this.retry();
  }

  retry() {
    if (this.stopped) return;
    if (this.openedAt && Date.now() - this.openedAt > 5000) this.attempt = 0;  // it had been healthy
    this.openedAt = 0;
    this.dropped = true;
    const d = Math.min(BACKOFF_CAP_MS, BACKOFF_MS * 2 ** this.attempt++);
    const wait = Math.round(d / 2 + Math.random() * d / 2);
    this.setStatus('reconnecting');
    this.emit('log', 'sys', `reconnect in ${wait} ms`);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  detach() {
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
    return ws;
  }

  /** Abandons a socket that looks open but has gone silent (mobile networks), then retries. */
  drop(why) {
    const ws = this.detach();
    if (ws) ws.close();
    this.emit('log', 'sys', `dropped: ${why}`);
    this.retry();
  }

  heartbeat() {
    if (Date.now() - this.lastRx > STALE_MS) this.drop('no frames received');
    else this.send({ type: 'ping' });
  }

  /** Reconnects now if the socket is not open (page visible again, network back). */
  wake() {
    if (this.stopped) return;
    if (this.isOpen && Date.now() - this.lastRx > STALE_MS) this.drop('stale on wake');
    if (!this.ws) { this.dropped = true; this.connect(); }
  }

  /** Sends a message; returns false when the socket is not open. */
  send(msg) {
    if (!this.isOpen) return false;
    if (msg.type !== 'ping' && !msg.id) msg = { ...msg, id: `m${++this.msgId}` };
    this.ws.send(JSON.stringify(msg));
    this.emit('log', msg.type === 'ping' ? 'out hb' : 'out', masked(msg));
    return true;
  }

  /** Closes for good (start again). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.detach();
    if (ws) ws.close(1000, 'bye');
    this.setStatus('closed');
  }
}

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
let conn = null;
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
  if (ev.state) setState(ev.state);
  if (ev.state === 'finished' || ev.state === 'failed') clearSecrets();
}

function onEnd(code) {
  busy(false);
  const texts = {
    4001: ['此订单已在其他页面打开', 'This order was opened elsewhere (4001).'],
    4004: ['订单已过期', 'The order expired (4004). Start again.'],
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

function send(msg) {
  if (conn && conn.send(msg)) return true;
  showError({ code: 'not_connected', processInfo: '网络连接中，请稍后再试。', detail: 'The socket is not open yet; try again.' });
  return false;
}

function submit(e, msg) {
  e.preventDefault();
  if (!send(msg)) return;
  busy(true);   // until the next event; the gateway answers with progress (verifying) or an error
  setText('verifying-info', defaults['verifying-info']);
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
  conn = new OrderSocket(order.wsUrl, order.ticket, { event: onEvent, status: onStatus, log, end: onEnd });
  conn.connect();
}

function restart() {
  if (conn) conn.stop();
  conn = null;
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
  $('password-form').addEventListener('submit', (e) => submit(e, {
    type: 'password', password: $('password').value, account: $('account').value.trim(),
  }));
  $('sms-form').addEventListener('submit', (e) => submit(e, { type: 'sms', code: $('sms').value.trim() }));
  $('query-form').addEventListener('submit', (e) => submit(e, { type: 'query_password', queryPassword: $('query').value }));
  $('resend').addEventListener('click', () => send({ type: 'resend_sms' }));
  $('sms').addEventListener('input', (e) => { e.target.value = e.target.value.replace(/\D/g, '').slice(0, 8); });
  for (const b of document.querySelectorAll('.restart')) b.addEventListener('click', restart);
  for (const b of document.querySelectorAll('[data-fill]')) {
    b.addEventListener('click', () => { $(b.dataset.for).value = b.dataset.fill; });
  }
  $('error-dialog').addEventListener('close', focusForm);
  $('log-hb').addEventListener('change', (e) => $('log').classList.toggle('nohb', e.target.checked));
  $('log-clear').addEventListener('click', () => $('log').replaceChildren());
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible' && conn) conn.wake(); });
  window.addEventListener('online', () => { if (conn) conn.wake(); });
  // Test hook: window.jxlDemo.conn is the current OrderSocket (lastSeq, status, ...).
  window.jxlDemo = { get conn() { return conn; }, OrderSocket };
}

init();   // module scripts run after the document is parsed
