// jxlgw.js — browser SDK for the jxlgw carrier-authorisation gateway (docs/protocol.md).
// One ES module, no build step, no dependencies. Served by the gateway at /sdk/jxlgw.js:
//
//   import { OrderClient } from 'https://gw.example.com/sdk/jxlgw.js';
//   const client = new OrderClient({ baseUrl, orderId, ticket, onState, onPromptSms, ... });
//   client.connect();
//   await client.submitPassword(pw);
//
// Transports: a WebSocket, or the HTTP fallbacks of §7 (Server-Sent Events or long-poll for
// events, POST for messages). All of them resume from the last logged seq seen, so switching
// transport or reconnecting never loses or repeats an event.

export const VERSION = '1.0.0';

/** Close codes after which nobody should reconnect (§8); the status each one leaves. */
const FINAL = { 1000: 'closed', 1003: 'error', 1008: 'error', 1009: 'error', 4001: 'replaced', 4004: 'expired', 4401: 'error' };
const TERMINAL = new Set(['finished', 'failed']);
const SECRET_KEYS = new Set(['password', 'code', 'queryPassword', 'ticket']);
const tickets = new WeakMap();   // client -> ticket, kept off the object so it is never exposed
const DEFAULTS = {
  transport: 'auto', fallbackAfter: 3, ackTimeoutMs: 10000, openTimeoutMs: 10000,
  pingIntervalMs: 20000, wakeTimeoutMs: 3000, pollWait: '25s', backoffMs: 500, backoffMaxMs: 10000,
};

/** The error a message promise rejects with. `code` says why; `event` is the gateway's refusal. */
export class JxlgwError extends Error {
  /**
   * @param {string} code bad_request | not_connected | timeout | disconnected | closed | rate_limited | network | http_<status>
   * @param {string} message
   * @param {object} [event] the `error` event with code bad_request (or session_expired)
   */
  constructor(code, message, event) {
    super(message);
    this.name = 'JxlgwError';
    this.code = code;
    this.event = event;
  }
}

/**
 * Masks secrets for logging: message fields password/code/queryPassword and any ticket, in
 * objects and in URLs. Incoming events are logged as they are: they never hold secrets, and
 * their `code` is an error code, so pass `{ secrets: false }` to keep it.
 * @param {unknown} v
 * @param {{secrets?: boolean}} [opt]
 * @returns {string}
 */
export function mask(v, { secrets = true } = {}) {
  const s = typeof v === 'string' ? v
    : JSON.stringify(v, (k, x) => ((secrets ? SECRET_KEYS.has(k) : k === 'ticket') && typeof x === 'string' ? '***' : x));
  return String(s).replace(/([?&]ticket=)[^&#\s"]*/g, '$1***').replace(/(Bearer )[\w.~+/=-]+/g, '$1***');
}

/**
 * One order's connection to the gateway. Create it with the ticket the lender's backend got,
 * call connect(), and drive the form with the typed callbacks and the submit methods.
 */
export class OrderClient {
  /**
   * @param {object} o
   * @param {string} o.orderId
   * @param {string} o.ticket
   * @param {string} [o.baseUrl] gateway base URL (default: the origin of wsUrl, else the page's)
   * @param {string} [o.wsUrl] the order's socket URL as POST /v1/orders returned it (no ticket)
   * @param {'auto'|'websocket'|'sse'|'poll'} [o.transport] auto: WebSocket, falling back to SSE, then long-poll
   * @param {number} [o.since] resume after this seq (e.g. kept across a page reload)
   * @param {number} [o.fallbackAfter] auto: failed opens, before any ever succeeded, before the next transport
   * @param {(line: string, kind: 'sys'|'in'|'out'|'dup') => void} [o.logger] debug lines, secrets masked
   *
   * Callbacks, all optional: onEvent(ev) every event; onState(state, ev) when the state changes;
   * onProgress, onPromptSms, onPromptQueryPassword, onError, onFinish (ev) per event type;
   * onStatus(status) connection status; onTransport(name); onClose({code, reason}) the end.
   * Timings (ms): ackTimeoutMs, openTimeoutMs, pingIntervalMs, wakeTimeoutMs, backoffMs,
   * backoffMaxMs; pollWait ('25s'). See jxlgw.d.ts for the types.
   */
  constructor(o) {
    if (!o || !o.orderId || !o.ticket) throw new TypeError('OrderClient: orderId and ticket are required');
    const { ticket, ...rest } = o;
    this.opts = { ...DEFAULTS, ...rest };
    tickets.set(this, ticket);
    const here = typeof location !== 'undefined' ? location.href : undefined;
    const base = new URL(o.baseUrl || o.wsUrl || here, here);
    if (base.protocol === 'ws:') base.protocol = 'http:';
    if (base.protocol === 'wss:') base.protocol = 'https:';
    const orderPath = `/v1/orders/${encodeURIComponent(o.orderId)}`;
    const root = o.baseUrl ? base.href.replace(/\/+$/, '') : base.origin;
    this._http = root + orderPath;
    const ws = new URL(o.wsUrl || `${root}${orderPath}/ws`, here);
    ws.protocol = ws.protocol.replace(/^http/, 'ws');
    this._wsUrl = ws.href;

    /** @type {string} the order's state, '' until the first event */
    this.state = '';
    /** @type {number|null} highest logged seq seen; the next connection resumes after it */
    this.lastSeq = Number.isInteger(o.since) && o.since >= 0 ? o.since : null;
    /** @type {'websocket'|'sse'|'poll'} */
    this.transport = pickTransport(this.opts.transport);
    /** @type {'idle'|'connecting'|'connected'|'reconnecting'|'closed'|'replaced'|'expired'|'error'} */
    this.status = 'idle';
    this._name = `js${Math.random().toString(36).slice(2, 10)}`;
    this._dials = [];

    this._gen = 0;            // bumps on every teardown; callbacks of older transports are ignored
    this._ws = null; this._es = null; this._poll = null;
    this._timer = 0; this._pinger = 0; this._openTimer = 0; this._wakeTimer = 0;
    this._attempt = 0; this._fails = 0; this._everOpened = false; this._openedAt = 0;
    this._lastRx = 0; this._hiddenAt = 0; this._retryAfter = -1; this._ended = false;
    this._msgId = 0; this._pending = new Map();
    // Messages whose socket dropped before their ack, and the progress steps seen (newest
    // last): after the next connection opens they are sorted out, so each input reaches JXL once.
    this._orphans = []; this._steps = [];
    this._onVisible = () => this._visibility();
    this._onOnline = () => this.wake('online');
  }

  // ------------------------------------------------------------------ public API

  /** Opens the connection (idempotent). Returns this. */
  connect() {
    if (this._ended || this.status !== 'idle') return this;
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this._onVisible);
    if (typeof window !== 'undefined') window.addEventListener('online', this._onOnline);
    this._open();
    return this;
  }

  /** Sends the carrier service password. `account` defaults to the order's phone. */
  submitPassword(password, { account, website } = {}) {
    return this.send({ type: 'password', password, ...(account ? { account } : {}), ...(website ? { website } : {}) });
  }
  /** Sends the SMS code (a string of 4–8 digits; keep leading zeros). */
  submitSms(code) { return this.send({ type: 'sms', code: String(code) }); }
  /** Sends the carrier query password. */
  submitQueryPassword(queryPassword) { return this.send({ type: 'query_password', queryPassword }); }
  /** Asks for a new SMS code. */
  resendSms() { return this.send({ type: 'resend_sms' }); }
  /** Ends the order (it becomes failed with code cancelled). */
  cancel() { return this.send({ type: 'cancel' }); }

  /**
   * Sends one message with a fresh id. Resolves with the `ack` event (`pong` for a ping); rejects
   * with a JxlgwError (code bad_request with the gateway's event, or not_connected, timeout,
   * closed, ...). When the socket drops before the ack, the message is not failed: once the
   * next connection is open the client finds out whether it arrived (a progress event for it)
   * and sends it again only if it did not.
   * @param {{type: string, [k: string]: unknown}} msg
   * @returns {Promise<object>}
   */
  send(msg) {
    const ws = this.transport === 'websocket';
    if (this.status !== 'connected' || (ws && !this._wsOpen())) {
      return Promise.reject(new JxlgwError('not_connected', `not connected (${this.status})`));
    }
    return new Promise((resolve, reject) => this._transmit({ msg, resolve, reject, tries: 0 }));
  }

  /** Sends a message on the current connection and registers its promise under a fresh id. */
  _transmit(job) {
    const ws = this.transport === 'websocket';
    const id = `m${++this._msgId}`;
    const out = { ...job.msg, id };
    job.mark = this.lastSeq;
    const timer = setTimeout(() => this._settle(id, new JxlgwError('timeout', `no ack for ${job.msg.type}`)), this.opts.ackTimeoutMs);
    this._pending.set(id, { ...job, timer, ws });
    this._log(`send ${mask(out)}`, 'out');
    if (ws) this._ws.send(JSON.stringify(out));
    else this._post(out, id);
  }

  /**
   * After a reconnect: a ping's pong comes after the replay, so by then a progress event for an
   * orphaned message has been seen if it arrived. Those that did not arrive are sent again.
   */
  async _adoptOrphans() {
    if (!this._orphans.length) return;
    try { await this.send({ type: 'ping' }); } catch { return; }   // dropped again: next time
    const orphans = this._orphans;
    this._orphans = [];
    for (const job of orphans) {
      const arrived = job.msg.type === 'cancel' ? this.state === 'failed'
        : this._steps.some((st) => (job.mark === null || st.seq > job.mark) && st.step === job.msg.type);
      if (arrived) job.resolve(undefined);
      else if (++job.tries > 3) job.reject(new JxlgwError('disconnected', 'the connection kept dropping before the ack'));
      else this._transmit(job);
    }
  }

  /** Drops the current connection and opens a new one now (optionally on another transport). */
  reconnect(transport) {
    if (this._ended) return;
    if (transport) this.transport = pickTransport(transport);
    this._teardown();
    this._attempt = 0;
    this._open();
  }

  /** Checks the connection now, as when the page becomes visible or the network returns. */
  wake(why = 'wake') {
    if (this._ended || this.status === 'idle') return;
    this._log(`${why}: checking the connection`);
    if (this.transport === 'websocket' && this._wsOpen()) {
      const since = Date.now();
      this._sendRaw({ type: 'ping' });
      clearTimeout(this._wakeTimer);
      this._wakeTimer = setTimeout(() => { if (this._lastRx < since) this._drop('no frame after wake'); }, this.opts.wakeTimeoutMs);
    } else {
      this.reconnect();   // a stream or poll may sit on a dead connection: start over, cheaply
    }
  }

  /** Closes for good. onClose is not called; pending promises reject with code closed. */
  close() {
    if (this._ended) return;
    this._finish(null, null, 'closed');
  }

  // ------------------------------------------------------------------ connections

  _open() {
    clearTimeout(this._timer);
    if (this._ended) return;
    this._setStatus(this._everOpened || this._attempt > 0 ? 'reconnecting' : 'connecting');
    this._emit('onTransport', this.transport);
    const gen = ++this._gen;
    this._openedAt = 0;
    // Each connection is named (conn=…), so a 4001 caused by one of our own late connections
    // (the network made it look dead to us, its server side attached late) is told apart from
    // another device taking the order over.
    const name = `${this._name}-${gen}`;
    this._dials = [...this._dials.slice(-15), name];
    const since = (this.lastSeq === null ? '' : `since=${this.lastSeq}&`) + `conn=${name}`;
    if (this.transport === 'poll') { this._pollLoop(gen); return; }
    this._openTimer = setTimeout(() => { if (gen === this._gen) this._failed('open timeout'); }, this.opts.openTimeoutMs);
    try { this._connectStream(gen, since); } catch (e) { this._failed(String(e && e.message)); }   // e.g. ws: from an https page
  }

  _connectStream(gen, since) {
    if (this.transport === 'websocket') {
      const url = this._wsUrl + (this._wsUrl.includes('?') ? '&' : '?') + `ticket=${encodeURIComponent(tickets.get(this))}` + (since && `&${since}`);
      this._log(`websocket ${mask(url)}`);
      const ws = new WebSocket(url);
      this._ws = ws;
      ws.onopen = () => { if (gen === this._gen) { this._opened(); this._pinger = setInterval(() => this._heartbeat(), this.opts.pingIntervalMs); } };
      ws.onmessage = (m) => { if (gen === this._gen) this._receive(m.data); };
      ws.onclose = (c) => { if (gen === this._gen) this._closed(c.code, c.reason); };
    } else {
      const url = `${this._http}/events/stream?ticket=${encodeURIComponent(tickets.get(this))}` + (since && `&${since}`);
      this._log(`eventsource ${mask(url)}`);
      const es = new EventSource(url);
      this._es = es;
      es.onopen = () => { if (gen === this._gen) this._opened(); };
      es.onmessage = (m) => { if (gen === this._gen) this._receive(m.data); };
      // Any error: we close it and come back ourselves, with since and our own backoff.
      es.onerror = () => { if (gen === this._gen) this._closed(1006, 'stream error'); };
    }
  }

  _opened() {
    clearTimeout(this._openTimer);
    this._openedAt = this._lastRx = Date.now();
    this._everOpened = true;
    this._fails = 0;
    this._retryAfter = -1;
    this._setStatus('connected');
    this._adoptOrphans();
  }

  /** A connection ended with code (a socket's close code, or a stream's closed event). */
  _closed(code, reason) {
    const opened = this._openedAt > 0;
    this._log(`closed ${code} ${reason || ''}`.trim());
    this._teardown();
    const ownDial = code === 4001 && this._dials.includes(String(reason || '').replace(/^replaced:/, ''));
    if (FINAL[code] && !ownDial) { this._finish(code, reason, FINAL[code]); return; }
    if (!opened) { this._failed(`${code} ${reason || ''}`.trim()); return; }
    this._retry();
  }

  /** An open failed: ask over plain HTTP why (browsers hide a refused handshake's status). */
  async _failed(why) {
    this._teardown();
    const g = this._gen;
    this._log(`could not open ${this.transport}: ${why}`);
    this._setStatus('reconnecting');
    const ok = await this._probe();
    if (g !== this._gen || this._ended) return;
    if (ok && ++this._fails >= this.opts.fallbackAfter && !this._everOpened && this.opts.transport === 'auto') {
      const next = this.transport === 'websocket' && typeof EventSource !== 'undefined' ? 'sse' : 'poll';
      if (next !== this.transport) {
        this._log(`falling back from ${this.transport} to ${next}`);
        this.transport = next;
        this._fails = 0;
        this._attempt = 0;
      }
    }
    this._retry();
  }

  /**
   * GET events without waiting: true when the order is reachable over HTTP, false when offline.
   * Its events are not delivered: the page shows no form until a transport is connected.
   */
  async _probe() {
    try {
      const r = await this._fetchEvents(0, undefined, false);
      return r !== null;
    } catch { return false; }
  }

  _retry() {
    if (this._ended) return;
    if (this._openedAt && Date.now() - this._openedAt > 5000) this._attempt = 0;   // it had been healthy
    this._openedAt = 0;
    let wait;
    if (this._retryAfter >= 0) { wait = this._retryAfter; this._retryAfter = -1; }   // §8 1012: the gateway's hint
    else {
      const d = Math.min(this.opts.backoffMaxMs, this.opts.backoffMs * 2 ** this._attempt++);
      wait = Math.round(d / 2 + Math.random() * d / 2);
    }
    this._setStatus('reconnecting');
    this._log(`reconnect in ${wait} ms`);
    this._timer = setTimeout(() => this._open(), wait);
  }

  /** Forgets the current connection: later callbacks of it are ignored. */
  _teardown() {
    this._gen++;
    clearTimeout(this._timer); clearTimeout(this._openTimer); clearTimeout(this._wakeTimer); clearInterval(this._pinger);
    const { _ws: ws, _es: es, _poll: poll } = this;
    this._ws = this._es = this._poll = null;
    if (ws) { ws.onopen = ws.onmessage = ws.onclose = null; try { ws.close(1000, 'bye'); } catch { /* closing */ } }
    if (es) es.close();
    if (poll) poll.abort();
    // A socket's acks die with it (a POST's answer does not depend on the stream): keep the
    // message until the next connection tells whether it arrived.
    for (const [id, p] of [...this._pending]) {
      if (!p.ws) continue;
      this._pending.delete(id);
      clearTimeout(p.timer);
      if (p.msg.type === 'ping') p.reject(new JxlgwError('disconnected', 'the connection dropped before the pong'));
      else this._orphans.push(p);
    }
  }

  _drop(why) {
    this._log(`dropping the connection: ${why}`);
    this._teardown();
    this._retry();
  }

  _wsOpen() { return this._ws !== null && this._ws.readyState === 1; }

  _heartbeat() {
    if (Date.now() - this._lastRx > this.opts.pingIntervalMs * 2.5) this._drop('no frames received');
    else this._sendRaw({ type: 'ping' });
  }

  _sendRaw(msg) {
    this._log(`send ${mask(msg)}`, 'out');
    this._ws.send(JSON.stringify(msg));
  }

  _visibility() {
    if (document.visibilityState === 'hidden') { this._hiddenAt = Date.now(); return; }
    // Streams and polls are only restarted after a real absence; a socket is always pinged.
    if (this.transport === 'websocket' || !this._hiddenAt || Date.now() - this._hiddenAt > this.opts.wakeTimeoutMs) this.wake('visible');
    this._hiddenAt = 0;
  }

  // ------------------------------------------------------------------ HTTP fallbacks

  _headers(json) {
    const h = { Authorization: `Bearer ${tickets.get(this)}` };
    if (json) h['Content-Type'] = 'application/json';
    return h;
  }

  /**
   * One GET of the events route. Returns the events (and dispatches them unless deliver is
   * false), or null for a status worth retrying; ends the client on 401/403/410. Throws on
   * network errors.
   */
  async _fetchEvents(waitSec, signal, deliver = true) {
    const q = new URLSearchParams({ wait: `${waitSec}s` });
    if (this.lastSeq !== null) q.set('since', String(this.lastSeq));
    const r = await fetch(`${this._http}/events?${q}`, { headers: this._headers(), cache: 'no-store', signal });
    const body = await r.json().catch(() => ({}));
    const events = Array.isArray(body.events) ? body.events : [];
    if (r.status === 410) { events.forEach((ev) => this._dispatch(ev)); this._finish(4004, 'session_expired', 'expired'); return []; }
    if (r.status === 401 || r.status === 403) { this._finish(4401, body.error || 'unauthorized', 'error'); return []; }
    if (!r.ok) return null;
    if (deliver) events.forEach((ev) => this._dispatch(ev));
    return events;
  }

  async _pollLoop(gen) {
    const max = Math.min(30, parseFloat(this.opts.pollWait) || 25);
    // The first poll answers at once, so "connected" means the gateway is reachable now.
    for (let wait = 0; gen === this._gen && !this._ended; wait = max) {
      const ctrl = new AbortController();
      this._poll = ctrl;
      const guard = setTimeout(() => ctrl.abort(), (wait + 10) * 1000);
      let events = null;
      this._log(`poll since=${this.lastSeq === null ? '-' : this.lastSeq}`);
      try { events = await this._fetchEvents(wait, ctrl.signal, false); } catch (e) { this._log(`poll failed: ${e && e.name}`); }
      clearTimeout(guard);
      if (gen !== this._gen || this._ended) return;
      if (events === null) {
        this._poll = null;
        this._retry();
        return;
      }
      // Connected first, so that a submit from an onState callback finds the client ready.
      if (this.status !== 'connected') this._opened();
      events.forEach((ev) => this._dispatch(ev));
      if (TERMINAL.has(this.state)) { this._finish(1000, this.state, 'closed'); return; }
    }
  }

  async _post(msg, id) {
    let r;
    let body = {};
    try {
      r = await fetch(`${this._http}/messages`, { method: 'POST', headers: this._headers(true), body: JSON.stringify(msg), cache: 'no-store' });
      body = await r.json().catch(() => ({}));
    } catch (e) {
      this._settle(id, new JxlgwError('network', `POST failed: ${e && e.message}`));
      return;
    }
    for (const ev of Array.isArray(body.events) ? body.events : []) this._dispatch(ev);
    if (r.status === 410) this._finish(4004, 'session_expired', 'expired');
    else if (r.status === 401 || r.status === 403) this._finish(4401, body.error || 'unauthorized', 'error');
    else if (!r.ok) this._settle(id, new JxlgwError(r.status === 429 ? 'rate_limited' : `http_${r.status}`, body.message || `HTTP ${r.status}`));
  }

  // ------------------------------------------------------------------ events

  _receive(data) {
    this._lastRx = Date.now();
    let ev;
    try { ev = JSON.parse(data); } catch { this._log(`unreadable frame ${String(data).slice(0, 80)}`); return; }
    this._dispatch(ev);
  }

  /** Handles one event from any transport: dedupe, seq bookkeeping, promises, callbacks. */
  _dispatch(ev) {
    if (!ev || typeof ev.type !== 'string' || this._ended) return;
    const logged = !ev.ephemeral && Number.isInteger(ev.seq);
    if (logged && this.lastSeq !== null && ev.seq <= this.lastSeq) { this._log(mask(ev, { secrets: false }), 'dup'); return; }
    this._log(mask(ev, { secrets: false }), 'in');
    // A connection event made before the latest logged event we hold (an ack whose POST answer
    // lost the race with the poll or stream) carries an older state: do not go back to it.
    const stale = !logged && !ev.resync && Number.isInteger(ev.seq) && this.lastSeq !== null && ev.seq < this.lastSeq;
    if (logged) this.lastSeq = ev.seq;
    // A snapshot carries the latest logged seq (§5); after a resync it replaces ours, even downwards.
    else if (ev.type === 'state' && Number.isInteger(ev.seq) && (ev.resync || this.lastSeq === null)) this.lastSeq = ev.seq;

    if (ev.type === 'closed') { this._emit('onEvent', ev); this._closed(ev.closeCode, ev.closeReason); return; }
    if (ev.type === 'reconnect') { this._retryAfter = Math.max(0, Number(ev.retryAfterMs) || 0); }
    if ((ev.type === 'ack' || ev.type === 'pong') && ev.id) this._settle(ev.id, null, ev);
    if (logged && ev.type === 'progress' && ev.step) this._steps = [...this._steps.slice(-15), { seq: ev.seq, step: ev.step }];
    if (ev.type === 'error' && ev.code === 'bad_request' && ev.id) {
      this._settle(ev.id, new JxlgwError('bad_request', ev.detail || ev.processInfo || 'bad request', ev));
    }

    this._emit('onEvent', ev);
    const typed = { progress: 'onProgress', prompt_sms: 'onPromptSms', prompt_query_password: 'onPromptQueryPassword', error: 'onError', finish: 'onFinish' }[ev.type];
    if (typed) this._emit(typed, ev);
    if (ev.state && !stale && ev.state !== this.state) {
      this.state = ev.state;
      this._emit('onState', ev.state, ev);
    }
  }

  _settle(id, err, ev) {
    const p = this._pending.get(id);
    if (!p) return;
    this._pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err); else p.resolve(ev);
  }

  /** Ends for good: code null means close() was called. */
  _finish(code, reason, status) {
    if (this._ended) return;
    this._teardown();
    this._ended = true;
    const ended = () => new JxlgwError('closed', `connection ended (${code === null ? 'closed' : code})`);
    for (const id of [...this._pending.keys()]) this._settle(id, ended());
    for (const job of this._orphans.splice(0)) {
      // A message whose progress was seen before the end did arrive.
      if (this._steps.some((st) => (job.mark === null || st.seq > job.mark) && st.step === job.msg.type)) job.resolve(undefined);
      else job.reject(ended());
    }
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this._onVisible);
    if (typeof window !== 'undefined') window.removeEventListener('online', this._onOnline);
    this._setStatus(status);
    if (code !== null) {
      this._log(`ended ${code} ${reason || ''}`.trim());
      this._emit('onClose', { code, reason: reason || '' });
    }
  }

  _setStatus(s) {
    if (s === this.status) return;
    this.status = s;
    this._emit('onStatus', s);
  }

  _emit(name, ...args) {
    const f = this.opts[name];
    if (typeof f !== 'function') return;
    try { f.apply(this, args); } catch (e) { setTimeout(() => { throw e; }); }   // an app bug must not break the client
  }

  _log(line, kind = 'sys') {
    const l = this.opts.logger;
    if (typeof l === 'function') l(mask(line, { secrets: false }), kind);
    else if (l && typeof l.debug === 'function') l.debug(`[jxlgw] ${mask(line, { secrets: false })}`);
  }
}

function pickTransport(t) {
  const ws = typeof WebSocket !== 'undefined';
  const sse = typeof EventSource !== 'undefined';
  if (t === 'poll' || (t === 'sse' && !sse)) return 'poll';
  if (t === 'sse') return 'sse';
  if (t === 'websocket' || ws) return 'websocket';
  return sse ? 'sse' : 'poll';
}

/** Creates an OrderClient and connects it. */
export function connect(opts) {
  return new OrderClient(opts).connect();
}
