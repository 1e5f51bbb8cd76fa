/**
 * Who may read a victim's personal data, and the record of every such read.
 *
 * Who may read it is @cfund/domain's `canReadPersonalData`. After erasure the data reads
 * `[erased]` for everyone, and no access is recorded (nothing was seen).
 *
 * Each disclosure first appends `PersonalDataAccessed` to the stream `access-<claimId>` in
 * EventStoreDB (hash-chained and signed like every stream); only when that append succeeded is the data
 * returned, so no read goes unrecorded.
 */
import type { EventStoreDBClient, JSONType } from '@eventstore/db-client';
import { StreamNotFoundError } from '@eventstore/db-client';
import { accessStream, parseEvent, type AccessEvent, type EncryptedPersonalData } from '@cfund/contracts';
import { handleCommand, isErased, PersonalDataProtector, type ChainSigner, type EventCodec, type PersonalDataProtectorOptions } from '@cfund/eventstore';
import type { Principal } from '@cfund/domain';
import { randomUUID } from 'node:crypto';

export const ERASED = '[erased]' as const;


const accessCodec: EventCodec<AccessEvent> = {
  encode: (e) => ({ type: e.type, data: e.data as unknown as JSONType, schemaVersion: e.data.schemaVersion }),
  decode: (stored) => (stored.type === 'PersonalDataAccessed' ? parseEvent(stored.type, stored.data) as AccessEvent : undefined),
};

/** Appends the record of a read (load, decide "record it", append at the loaded revision, retried on a conflict). */
export async function recordAccess(client: EventStoreDBClient, signer: ChainSigner, access: { claimId: string; victimRef: string; principal: Principal; at: string; purpose: string }): Promise<void> {
  const event: AccessEvent = {
    type: 'PersonalDataAccessed',
    data: {
      schemaVersion: 1, claimId: access.claimId, victimRef: access.victimRef, accessedBy: access.principal.sub,
      roles: [...access.principal.roles], accessedAt: access.at, purpose: access.purpose,
    },
  };
  // Validate before writing: an invalid record must fail here, not be stored.
  parseEvent(event.type, event.data);
  const id = randomUUID();
  await handleCommand(client, accessStream(access.claimId), event, {
    initialState: () => null, evolve: (s: null) => s, decide: (e: AccessEvent) => [e],
  }, {
    codec: accessCodec, signer, maxRetries: 10,
    metadata: { actor: access.principal.sub, occurredAt: access.at, correlationId: id, causationId: id },
  });
}

export interface AccessRecord {
  revision: number;
  accessedBy: string;
  roles: string[];
  accessedAt: string;
  purpose: string;
  victimRef: string;
}

/** Every recorded read of a claim's personal data, oldest first. */
export async function accessLog(client: EventStoreDBClient, claimId: string): Promise<AccessRecord[]> {
  const out: AccessRecord[] = [];
  try {
    for await (const resolved of client.readStream(accessStream(claimId))) {
      const e = resolved.event;
      if (!e || e.type !== 'PersonalDataAccessed') continue;
      const ev = parseEvent(e.type, e.data) as AccessEvent;
      out.push({ revision: Number(e.revision), accessedBy: ev.data.accessedBy, roles: ev.data.roles, accessedAt: ev.data.accessedAt, purpose: ev.data.purpose, victimRef: ev.data.victimRef });
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return out;
}

/** The key store and the master keys (the current one and, around a rotation, the previous and next ones). */
export type ProtectorKeys = Pick<PersonalDataProtectorOptions, 'keyStore' | 'masterKey' | 'previousMasterKeys' | 'nextMasterKeys'>;

/** A protector for one read, caching no key: the command service may erase a victim's key at any time. */
export function openReadProtector(keys: ProtectorKeys): Promise<PersonalDataProtector> {
  return PersonalDataProtector.open({
    keyStore: keys.keyStore, masterKey: keys.masterKey, ...(keys.previousMasterKeys ? { previousMasterKeys: keys.previousMasterKeys } : {}),
    ...(keys.nextMasterKeys ? { nextMasterKeys: keys.nextMasterKeys } : {}), maxCachedKeys: 1,
  });
}

/**
 * Decrypts with a protector opened for this read only: the command service may have erased the
 * victim's key since, and a long-lived protector would still hold it in its cache.
 */
export async function decryptPersonalData(keys: ProtectorKeys, victimRef: string, envelope: EncryptedPersonalData): Promise<unknown> {
  const protector = await openReadProtector(keys);
  const value = await protector.decryptPersonalData(victimRef, envelope);
  return isErased(value) ? ERASED : value;
}
