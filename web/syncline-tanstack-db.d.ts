// Types of @syncline/client/tanstack-db (DESIGN §15, JS-003): collection options for
// @tanstack/db (a peer dependency, 0.15) fed by a SynclineClient (tested with 0.15.1, the version @tanstack/react-db 0.5 pins).
import type { CollectionConfig, UtilsRecord } from '@tanstack/db';
import type { AnyTypes, Conflict, SynclineClient, TypeMap } from './syncline.js';

export declare class SynclineMutationError extends Error {
  readonly txId: string;
  readonly detail: { status?: number; code?: string | null; reason?: string } | null;
}

export declare class SynclineConflictError<V = unknown> extends Error {
  readonly txId: string;
  readonly conflict: Conflict | null;
  readonly mine: V;
  readonly server: V;
  keepMine(): Promise<string | null>;
  keepServer(): Promise<string | null>;
  merge(value: V): Promise<string | null>;
}

export interface SynclineCollectionConfig<T extends TypeMap<T>, K extends keyof T & string> {
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
}

export declare function synclineCollectionOptions<T extends TypeMap<T> = AnyTypes, K extends keyof T & string = keyof T & string>(
  config: SynclineCollectionConfig<T, K>,
): CollectionConfig<T[K] & object, string, never, UtilsRecord> & { id: string };
