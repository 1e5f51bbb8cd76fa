import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import gossipPb from '@eventstore/db-client/generated/gossip_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import { shared } from './protocol.js';

export type ServerVersion = '24.10' | '25.1';

const MIB = 1024 * 1024;

/**
 * What differs between the servers the store can answer as: the version ServerFeatures reports
 * (three components, as ServerFeatures.cs trims VersionInfo.Version) and the default append limits
 * (`MaxAppendSize`, `MaxAppendEventSize` of ClusterVNodeOptions.cs; 25.1 takes them from
 * TFConsts.ChunkSize and TFConsts.MaxLogRecordSize).
 */
export const SERVER_VERSIONS: Record<ServerVersion, { reported: string; maxAppendSize: number; maxAppendEventSize: number }> = {
  '24.10': { reported: '24.10.5', maxAppendSize: MIB, maxAppendEventSize: Number.MAX_SAFE_INTEGER },
  '25.1': { reported: '25.1.0', maxAppendSize: 256 * MIB, maxAppendEventSize: 16 * MIB },
};

/** Every client-facing method the store serves: [service, method]. */
export const IMPLEMENTED_METHODS: readonly (readonly [string, string])[] = [
  ['event_store.client.streams.Streams', 'Read'],
  ['event_store.client.streams.Streams', 'Append'],
  ['event_store.client.streams.Streams', 'BatchAppend'],
  ['event_store.client.streams.Streams', 'Delete'],
  ['event_store.client.streams.Streams', 'Tombstone'],
  ['event_store.client.gossip.Gossip', 'Read'],
  ['event_store.client.server_features.ServerFeatures', 'GetSupportedMethods'],
];

/** The Users service, served by a secure node only (there are no users without authentication). */
export const USERS_METHODS: readonly (readonly [string, string])[] = [
  'Create', 'Update', 'Delete', 'Disable', 'Enable', 'Details', 'ChangePassword', 'ResetPassword',
].map((method) => ['event_store.client.users.Users', method] as const);

/** The feature tags ServerFeatures.cs gives a method (persistent subscriptions and projections are not served). */
function featuresOf(service: string, method: string): string[] {
  if (service.includes('Streams') && method.includes('Read')) return ['position', 'events'];
  if (service.includes('Streams') && method.includes('BatchAppend')) return ['deadline_duration'];
  return [];
}

/**
 * ServerFeatures.GetSupportedMethods, as ServerFeatures.cs builds it: every method served, names
 * lower-cased, with its feature tags. Advertising BatchAppend makes the client use it.
 */
export function handleSupportedMethods(version: string, withUsers: boolean) {
  const methods = withUsers ? [...IMPLEMENTED_METHODS, ...USERS_METHODS] : IMPLEMENTED_METHODS;
  return (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<featuresPb.SupportedMethods>): void => {
    callback(null, new featuresPb.SupportedMethods()
      .setEventStoreServerVersion(version)
      .setMethodsList(methods.map(([service, method]) => new featuresPb.SupportedMethod()
        .setServiceName(service.toLowerCase())
        .setMethodName(method.toLowerCase())
        .setFeaturesList(featuresOf(service, method)))));
  };
}

/** Gossip.Read: a cluster of one alive leader, so `esdb+discover://` connection strings work. */
export function gossip(instanceId: string, host: string, port: () => number) {
  return (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<gossipPb.ClusterInfo>): void => {
    const member = new gossipPb.MemberInfo()
      .setInstanceId(new shared.UUID().setString(instanceId))
      .setTimeStamp(String(BigInt(Date.now()) * 10_000n))
      .setState(gossipPb.MemberInfo.VNodeState.LEADER)
      .setIsAlive(true)
      .setHttpEndPoint(new gossipPb.EndPoint().setAddress(host).setPort(port()));
    callback(null, new gossipPb.ClusterInfo().setMembersList([member]));
  };
}
