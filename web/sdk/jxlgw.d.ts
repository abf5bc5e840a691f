// Type declarations for jxlgw.js, the jxlgw browser SDK. Protocol: docs/protocol.md.

export const VERSION: string;

/** Order states (§4.1). */
export type OrderState = 'await_password' | 'verifying' | 'await_sms' | 'await_query_password' | 'finished' | 'failed';

/** Error codes carried by `error` events (§4.3). */
export type ErrorCode =
  | 'bad_request'
  | 'wrong_password' | 'wrong_sms' | 'wrong_query_password'
  | 'too_many_attempts'
  | 'simple_password' | 'carrier_error' | 'carrier_rejected' | 'jxl_error' | 'jxl_rejected'
  | 'carrier_unavailable' | 'unexpected_answer' | 'upstream_timeout' | 'upstream_error' | 'upstream_unavailable'
  | 'cancelled'
  | 'session_expired';

/** Fields every event has (§4). */
interface EventBase {
  orderId: string;
  /** Position in the order's log; on connection events, the latest logged seq. */
  seq: number;
  /** The order's state after this event. */
  state: OrderState;
  /** Milliseconds since the Unix epoch. */
  ts: number;
  /** Connection events (not logged, never replayed). */
  ephemeral?: boolean;
}

export interface StateEvent extends EventBase {
  type: 'state';
  expect: 'password' | 'sms' | 'query_password' | '';
  processCode?: number;
  processInfo?: string;
  resync?: boolean;
  reason?: 'since_ahead' | 'gap';
}
export interface AckEvent extends EventBase { type: 'ack'; id: string }
export interface ProgressEvent extends EventBase { type: 'progress'; step: string; processInfo: string }
export interface PromptSmsEvent extends EventBase { type: 'prompt_sms'; processCode: number; processInfo: string }
export interface PromptQueryPasswordEvent extends EventBase { type: 'prompt_query_password'; processCode: number; processInfo: string }
export interface ErrorEvent extends EventBase {
  type: 'error';
  code: ErrorCode;
  /** Text for the applicant, in Chinese. */
  processInfo: string;
  retryable: boolean;
  processCode?: number;
  /** English hint for developers. */
  detail?: string;
  /** The message id, on bad_request answers. */
  id?: string;
}
export interface FinishEvent extends EventBase { type: 'finish'; processCode: number; processInfo: string }
export interface PongEvent extends EventBase { type: 'pong'; id?: string }
/** Only on HTTP event streams: the stream ends as a socket would close with closeCode (§7, §8). */
export interface ClosedEvent extends EventBase { type: 'closed'; closeCode: number; closeReason: string }
/** The gateway is restarting; the socket closes with 1012 next. */
export interface ReconnectEvent extends EventBase { type: 'reconnect'; retryAfterMs: number }

/** Every event from the gateway, discriminated on `type`. */
export type GatewayEvent =
  | StateEvent | AckEvent | ProgressEvent | PromptSmsEvent | PromptQueryPasswordEvent
  | ErrorEvent | FinishEvent | PongEvent | ClosedEvent | ReconnectEvent;

export type Transport = 'websocket' | 'sse' | 'poll';

/**
 * idle: not connected yet; connecting/reconnecting: opening (again); connected: open;
 * closed: ended normally (order over, or close()); replaced: 4001; expired: 4004;
 * error: ended on a close code that retrying cannot fix (1003, 1008, 1009) or a refused ticket.
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'replaced' | 'expired' | 'error';

/**
 * How the client ended. `code` is a close code of §8 (1000, 1003, 1008, 1009, 4001, 4004), or
 * 4401, the SDK's own code for a ticket the gateway refused over HTTP (401/403).
 */
export interface CloseInfo { code: number; reason: string }

/** Outgoing messages (§3). `id` is added by the client. */
export type Message =
  | { type: 'password'; password: string; account?: string; website?: string }
  | { type: 'sms'; code: string }
  | { type: 'query_password'; queryPassword: string }
  | { type: 'resend_sms' }
  | { type: 'cancel' }
  | { type: 'ping' };

export type LogKind = 'sys' | 'in' | 'out' | 'dup';

export interface OrderClientOptions {
  orderId: string;
  /** The ticket from POST /v1/orders. Never logged; not readable from the client. */
  ticket: string;
  /** Gateway base URL for the HTTP routes. Default: the origin of wsUrl, else the page's. */
  baseUrl?: string;
  /** The order's socket URL as POST /v1/orders returned it (without the ticket). */
  wsUrl?: string;
  /** Default 'auto': WebSocket, then SSE, then long-poll when the previous cannot connect. */
  transport?: 'auto' | Transport;
  /** Resume after this seq (for example kept in sessionStorage across a reload). */
  since?: number;
  /** auto: failed opens, before any ever succeeded, that move to the next transport. Default 3. */
  fallbackAfter?: number;
  /** How long a message waits for its ack. Default 10000. */
  ackTimeoutMs?: number;
  /** How long a socket or stream may take to open. Default 10000. */
  openTimeoutMs?: number;
  /** Application ping period on a socket. Default 20000. */
  pingIntervalMs?: number;
  /** After the page becomes visible: how long a ping may wait for any frame. Default 3000. */
  wakeTimeoutMs?: number;
  /** Long-poll wait, e.g. '25s' (at most 30s). */
  pollWait?: string;
  /** Reconnect backoff: first delay and cap (jittered, doubling). Defaults 500 and 10000. */
  backoffMs?: number;
  backoffMaxMs?: number;

  onEvent?(ev: GatewayEvent): void;
  onState?(state: OrderState, ev: GatewayEvent): void;
  onProgress?(ev: ProgressEvent): void;
  onPromptSms?(ev: PromptSmsEvent): void;
  onPromptQueryPassword?(ev: PromptQueryPasswordEvent): void;
  /** Every error event, bad_request answers included. */
  onError?(ev: ErrorEvent): void;
  onFinish?(ev: FinishEvent): void;
  onStatus?(status: ConnectionStatus): void;
  onTransport?(transport: Transport): void;
  /** The client ended for good (not called for close()). */
  onClose?(info: CloseInfo): void;
  /** Debug lines, secrets masked: a function, or a console-like object with debug(). */
  logger?: ((line: string, kind: LogKind) => void) | { debug(line: string): void };
}

/** Why a message promise rejected. */
export class JxlgwError extends Error {
  readonly code: 'bad_request' | 'not_connected' | 'timeout' | 'disconnected' | 'closed' | 'rate_limited' | 'network' | `http_${number}`;
  /** The gateway's refusal, for code bad_request. */
  readonly event?: ErrorEvent;
}

export class OrderClient {
  constructor(opts: OrderClientOptions);
  /** The order's state; '' before the first event. */
  readonly state: OrderState | '';
  /** Highest logged seq seen, or null. */
  readonly lastSeq: number | null;
  readonly transport: Transport;
  readonly status: ConnectionStatus;

  connect(): this;
  submitPassword(password: string, opts?: { account?: string; website?: string }): Promise<AckEvent | undefined>;
  submitSms(code: string): Promise<AckEvent | undefined>;
  submitQueryPassword(queryPassword: string): Promise<AckEvent | undefined>;
  resendSms(): Promise<AckEvent | undefined>;
  cancel(): Promise<AckEvent | undefined>;
  /**
   * Resolves with the `ack` (the `pong` for a ping), or with undefined when the socket dropped
   * before the ack and the next connection showed the message had arrived (a message that had
   * not is sent again, so each input reaches the gateway once).
   */
  send(msg: Message): Promise<AckEvent | PongEvent | undefined>;
  /** Drops the connection and opens a new one now, optionally on another transport (resumes from lastSeq). */
  reconnect(transport?: Transport): void;
  /** Checks the connection now (the client does this on visibilitychange and online). */
  wake(why?: string): void;
  /** Closes for good. */
  close(): void;
}

export function connect(opts: OrderClientOptions): OrderClient;

/** Masks secrets (password, code, queryPassword, ticket) in an object or URL for logging. */
export function mask(v: unknown, opts?: { secrets?: boolean }): string;
