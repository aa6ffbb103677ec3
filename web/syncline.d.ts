// Types of the browser module (DESIGN §15, JS-001/002). The client is generic over a map from
// entityType to its row type — what `syncline schema typescript` prints as `SynclineTypes` (and
// `SynclineInserts` for creates):
//
//   import { SynclineClient } from '@syncline/client';
//   import type { SynclineTypes, SynclineInserts } from './syncline-types';
//   const c = new SynclineClient<SynclineTypes, SynclineInserts>({ org });
//   const tasks = c.list('task'); // Task[]
//
// Without a map any type name is accepted and rows have any fields (AnyTypes).

/** What every row has: its `id` (and `organizationId`), then the declared fields. */
export interface Row {
  readonly id: string;
  readonly organizationId?: string;
}

/** entityType → row type (e.g. the generated `SynclineTypes`, an interface). */
export type TypeMap<T> = { [K in keyof T]: Row };
/** Without a map: any type name, rows of any fields. */
export type AnyTypes = Record<string, Row & Record<string, unknown>>;

/** A filter of one type: field → value (equality), array (IN) or null (IS NULL). */
export type TypeShape<R> = { [F in keyof R]?: R[F] | ReadonlyArray<NonNullable<R[F]>> | null };
/** Partial sync (DESIGN §16): entity type → filter; `{}` is every entity of the type. */
export type Shape<T extends TypeMap<T>> = { [K in keyof T]?: TypeShape<T[K]> };

export type MutationState = 'pending' | 'sent' | 'confirmed' | 'failed' | 'conflicted';
export type StreamState = 'connecting' | 'catching-up' | 'live' | 'closed' | 'unauthorized' | 'forbidden' | 'unknown';

export interface ClientOptions<T extends TypeMap<T> = AnyTypes> {
  /** Organization id (not the slug: it keys the local store). */
  org: string;
  /** API origin prefix; '' (default) = this page's origin. */
  baseUrl?: string;
  /** IndexedDB database name (default 'syncline'; use one per user). */
  dbName?: string;
  /** Bearer token for fetches; default: the session cookie. */
  token?: string;
  /** Returns a valid bearer token (e.g. a JWT from the app's identity provider); asked at start,
   *  after a 401 and when the stream ends with `token_expired`. The stream then sends it as a
   *  header (fetch, not EventSource). */
  tokenProvider?: () => string | Promise<string>;
  /** Fields whose conflicts wait for resolve() (true = all); others resolve server-wins. */
  manual?: boolean | { [K in keyof T]?: Array<keyof T[K] & string> };
  /** The types to sync; default: every type the server's GET /schema declares (remembered in
   *  IndexedDB for offline starts). */
  entityTypes?: Array<keyof T & string>;
  /** `HEAD /health` period, default 30000. */
  probeIntervalMs?: number;
  /** Partial sync (DESIGN §16): the parts of the org this tab shows, a union of shapes; default:
   *  all of it. The browser's one stream carries the union of its tabs' shapes; list() shows
   *  this tab's. */
  shapes?: Array<Shape<T>>;
  /** Load nothing until asked (loadShape, or TanStack DB's on-demand collections). */
  onDemand?: boolean;
}

export interface Status {
  online: boolean;
  verified: boolean;
  latency: number | null;
  forcedOffline: boolean;
  leader: boolean;
  stream: StreamState;
  hydrated: boolean;
  pending: number;
  conflicts: number;
}

export interface Conflict<T extends TypeMap<T> = AnyTypes, K extends keyof T & string = keyof T & string> {
  /** Outbox entry to pass to resolve(). */
  seq: number;
  type: K;
  id: string;
  /** '' for a stale delete. */
  field: string;
  mine: unknown;
  server: unknown;
  serverTransactionId: string | null;
  /** How it was found: by the upstream-first check of the replayed changes (before anything was
   *  sent), by the server's 409, or after a reset: sent before the server's idempotency ledger
   *  reaches back ('ledger', its outcome unknown). */
  via: 'catch-up' | '409' | 'ledger' | null;
  /** merge: text (DESIGN §21): the value both edits started from, when the server kept it. */
  base: string | null;
  /** merge: text: the parts both changed, [start, end) in code points of each side (mine null
   *  once mine was edited again). */
  ranges: Array<{ base: [number, number]; mine: [number, number] | null; server: [number, number] }> | null;
}

export interface OutboxEntry {
  seq: number;
  org: string;
  type: string;
  id: string;
  field: string;
  kind: 'create' | 'update' | 'delete';
  value: unknown;
  txId: string;
  txIds: string[];
  expected: string | null;
  sourceId: string;
  state: 'queued' | 'sent' | 'conflicted';
  conflict: { serverValue: unknown; serverTransactionId: string | null; via: string } | null;
}

export interface MutationDetail {
  txId: string;
  state: MutationState;
  detail?: { status?: number; code?: string | null; reason?: string };
}

/** A snapshot loading (the leader tab's, heard by every tab of the org). */
export interface HydrationProgress {
  rows: number;
  bytes: number;
  done: boolean;
}

export interface SynclineEvents {
  change: CustomEvent<undefined>;
  /** The whole cache was replaced (a snapshot, a reset's reload, a reload from IndexedDB). */
  replace: CustomEvent<undefined>;
  progress: CustomEvent<HydrationProgress>;
  status: CustomEvent<undefined>;
  mutation: CustomEvent<MutationDetail>;
  conflict: CustomEvent<{ seq: number }>;
  error: CustomEvent<{ code: 'forbidden' | 'unauthorized' | string }>;
  presence: CustomEvent<PresenceEvent>;
}

/** One tab's or process's presence (DESIGN §21). */
export interface PresenceEntry {
  clientId: string;
  userId: string;
  entityType: string | null;
  entityId: string | null;
  state: Record<string, unknown>;
}
export interface PresenceEvent extends PresenceEntry {
  action: 'join' | 'update' | 'leave';
}

/** Who else is here, and where: this tab's presence is renewed every 10 s until leave(). */
export declare class Presence {
  readonly clientId: string;
  /** null: in the organization, on no entity. State: ≤ 1 KiB of JSON. Resolves to the PUT's status. */
  set(entity: { type: string; id: string } | null, state?: Record<string, unknown>): Promise<number>;
  leave(): Promise<void>;
  list(entity?: { type: string; id: string }): PresenceEntry[];
}

/** The row of a type without its server-set fields, all optional but the id (an insert). */
export type DefaultInsert<R> = { id?: string } & Partial<Omit<R, 'id' | 'organizationId'>>;
export type InsertMap<T extends TypeMap<T>> = { [K in keyof T]: DefaultInsert<T[K]> };

export declare class SynclineClient<T extends TypeMap<T> = AnyTypes, I extends { [K in keyof T]: object } = InsertMap<T>> extends EventTarget {
  constructor(options: ClientOptions<T>);
  readonly org: string;
  readonly hydrated: boolean;
  readonly status: Status;
  readonly presence: Presence;
  start(): Promise<void>;
  stop(): void;
  addShape(shape: Shape<T>): Promise<void>;
  /** Loads a shape (or with `limit` a window: its first rows in key order, one type) into this tab. */
  loadShape(shape: Shape<T>, options?: { limit?: number }): Promise<void>;

  /** The entities of a type as this tab shows them (queued edits laid over, its shapes only). */
  list<K extends keyof T & string>(type: K): Array<T[K]>;
  get<K extends keyof T & string>(type: K, id: string): T[K] | null;
  /** The cached server state (data and fieldTx) of one entity. */
  entity<K extends keyof T & string>(type: K, id: string): { type: K; id: string; data: T[K]; fieldTx: Record<string, string> } | null;
  entityState(type: keyof T & string, id: string): { pending: boolean; conflicted: boolean };
  state(txId: string): MutationState | undefined;
  conflicts(): Array<Conflict<T>>;
  outboxEntries(): OutboxEntry[];

  /** Creates an entity (optimistic); returns its txId. */
  create<K extends keyof T & string>(type: K, data: I[K]): Promise<string>;
  /** Updates the given fields only, one mutation per field; returns their txIds. */
  update<K extends keyof T & string>(type: K, id: string, fields: Partial<Omit<T[K], 'id' | 'organizationId'>>): Promise<string[]>;
  remove(type: keyof T & string, id: string): Promise<string>;
  resolve(seq: number, choice: 'mine' | 'server' | 'merge', value?: unknown): Promise<string | null>;
  setForcedOffline(on: boolean): Promise<void>;

  addEventListener<E extends keyof SynclineEvents>(type: E, listener: (e: SynclineEvents[E]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<E extends keyof SynclineEvents>(type: E, listener: (e: SynclineEvents[E]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** A fresh entity id (client-generated, URL-safe). */
export declare function makeId(): string;
export declare function makeSourceId(): string;
export declare function parseTransactionId(id: string): { wallMs: number; logical: number; node: string } | null;
export declare function compareTransactionIds(a: string, b: string): number;

/** The hybrid logical clock that mints transaction ids (DESIGN §3). */
export declare class Hlc {
  constructor(sourceId: string, now?: () => number);
  createTransactionId(): string;
  /** The receive rule: later ids of this clock sort after `id`. */
  receive(id: string): void;
}

/** Reachability of the server (HEAD /health probes, fetch outcomes, forced offline). */
export declare class NetworkStatus extends EventTarget {
  constructor(baseUrl: string, intervalMs?: number);
  readonly usable: boolean;
  readonly verified: boolean;
  latency: number | null;
  forcedOffline: boolean;
  start(): void;
  stop(): void;
  setForcedOffline(on: boolean): void;
}

/** One JSON request (never throws: status 0 when there is no answer). */
export declare function api(net: NetworkStatus, method: string, path: string, body?: unknown,
  token?: string | ((stale: boolean) => Promise<string>)): Promise<{ status: number; body: any }>;

/** A bearer token, or where to get one (a 401 is retried once with a fresh token). */
export type TokenArg = string | ((stale: boolean) => Promise<string>);

/** Any answer of an invitation call but its success; status 0: the server cannot be reached. */
export declare class SynclineRequestError extends Error {
  readonly status: number;
  /** The server's error code (e.g. "INVITATION_TOKEN"), "OFFLINE" or "HTTP_ERROR". */
  readonly code: string;
}

export type InvitationRole = 'admin' | 'member';

/** A new invitation: `token` is shown only in this answer (SEC-050). */
export interface Invitation {
  id: string;
  organizationId: string;
  role: InvitationRole;
  token: string;
  expiresAt: string;
  email?: string;
  userId?: string;
}

/** A pending invitation as the organization's admins and its invitee see it (no token). */
export interface PendingInvitation {
  id: string;
  organizationId: string;
  organizationName: string;
  email: string;
  role: InvitationRole;
  createdAt: string;
  expiresAt: string;
}

export interface MyInvitation extends PendingInvitation {
  /** Sent before this account held the address: accepting needs the inviter's token. */
  tokenRequired: boolean;
}

export interface Membership {
  id: string;
  organizationId: string;
  userId: string;
  email: string;
  name: string;
  role: InvitationRole;
  createdAt: string;
}

/** Invites an address or a user to the organization (org admins only). */
export declare function invite(net: NetworkStatus, orgId: string,
  who: { email: string } | { userId: string }, role?: InvitationRole, token?: TokenArg): Promise<Invitation>;
/** The organization's pending invitations (org admins only). */
export declare function orgInvitations(net: NetworkStatus, orgId: string, token?: TokenArg): Promise<PendingInvitation[]>;
/** The invitations waiting for the signed-in user. */
export declare function myInvitations(net: NetworkStatus, token?: TokenArg): Promise<MyInvitation[]>;
/** Accepts an invitation addressed to the signed-in user (with the inviter's token when required). */
export declare function acceptInvitation(net: NetworkStatus, id: string, invitationToken?: string,
  token?: TokenArg): Promise<Membership>;
/** Declines (the invitee) or revokes (an org admin) an invitation. */
export declare function discardInvitation(net: NetworkStatus, id: string, token?: TokenArg): Promise<void>;
