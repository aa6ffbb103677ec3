// Types of @syncline/client/tanstack-db (DESIGN §15, JS-003): collection options for
// @tanstack/db (a peer dependency, 0.15) fed by a SynclineClient (tested with 0.15.1, the version @tanstack/react-db 0.5 pins).
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { CollectionConfig, UtilsRecord } from '@tanstack/db';
import type { AnyTypes, Conflict, InsertMap, OutboxEntry, Status, SynclineClient, TypeMap } from './syncline.js';

export declare class SynclineMutationError extends Error {
  readonly txId: string;
  readonly detail: { status?: number; code?: string | null; reason?: string } | null;
}

export declare class SynclineConflictError<V = unknown> extends Error {
  readonly txId: string;
  /** The kept conflict; null when the server won at once (then keepMine/merge write anew). */
  readonly conflict: Conflict | null;
  readonly type: string | null;
  readonly id: string | null;
  readonly field: string | null;
  readonly mine: V | null;
  readonly server: V | null;
  keepMine(): Promise<string | null>;
  keepServer(): Promise<string | null>;
  merge(value: V): Promise<string | null>;
}

export interface SynclineCollectionConfig<
  T extends TypeMap<T>,
  K extends keyof T & string,
  I extends { [P in keyof T]: object } = InsertMap<T>,
  S extends StandardSchemaV1 = SynclineSchema<I[K], T[K]>,
> {
  client: SynclineClient<T, any>;
  type: K;
  /** Collection id; default `syncline:<org>:<type>`. */
  id?: string;
  /**
   * `'on-demand'` (with a client made with `onDemand: true`): each live query's where/orderBy/
   * limit load a shape (a window when the where maps wholly and the order is the key's,
   * ascending); default `'eager'`: the whole type.
   */
  syncMode?: 'eager' | 'on-demand';
  /**
   * A Standard Schema (zod, valibot, …) validating inserts and updates; default: one made from
   * the server's schema (required fields and kinds; bounds are the server's to judge).
   */
  schema?: S;
}

/** A Standard Schema of one synced type: inserts take `I` (the generated `*Insert`), rows are `O`. */
export type SynclineSchema<I, O> = StandardSchemaV1<I, O>;

export declare function synclineSchema<T extends TypeMap<T>, K extends keyof T & string, I extends { [P in keyof T]: object } = InsertMap<T>>(
  client: SynclineClient<T, any>,
  type: K,
): SynclineSchema<I[K], T[K]>;

/** `collection.utils`: the client's state as it concerns this collection's type. */
export interface SynclineCollectionUtils<T extends TypeMap<T> = AnyTypes> extends UtilsRecord {
  status(): Status;
  pending(): OutboxEntry[];
  conflicts(): Array<Conflict<T>>;
}

export declare function synclineCollectionOptions<
  T extends TypeMap<T> = AnyTypes,
  K extends keyof T & string = keyof T & string,
  I extends { [P in keyof T]: object } = InsertMap<T>,
  S extends StandardSchemaV1<any, T[K] & object> = SynclineSchema<I[K], T[K]>,
>(
  config: SynclineCollectionConfig<T, K, I, S>,
): CollectionConfig<T[K] & object, string, S, SynclineCollectionUtils<T>> & {
  id: string;
  schema: S;
  utils: SynclineCollectionUtils<T>;
};
