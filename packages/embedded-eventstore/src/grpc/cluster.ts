import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import gossipPb from '@eventstore/db-client/generated/gossip_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import { shared } from './protocol.js';

export const SERVER_VERSION = '24.10.0-embedded';

/** ServerFeatures.GetSupportedMethods: advertising BatchAppend makes the client use it. */
export function handleSupportedMethods(_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<featuresPb.SupportedMethods>): void {
  const method = (service: string, name: string): featuresPb.SupportedMethod =>
    new featuresPb.SupportedMethod().setServiceName(service).setMethodName(name);
  const streams = 'event_store.client.streams.Streams';
  callback(null, new featuresPb.SupportedMethods()
    .setEventStoreServerVersion(SERVER_VERSION)
    .setMethodsList([
      method(streams, 'Read'), method(streams, 'Append'), method(streams, 'BatchAppend'),
      method(streams, 'Delete'), method(streams, 'Tombstone'),
      method('event_store.client.gossip.Gossip', 'Read'),
      method('event_store.client.server_features.ServerFeatures', 'GetSupportedMethods'),
    ]));
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
