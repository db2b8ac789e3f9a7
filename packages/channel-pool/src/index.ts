// The public entry point of @pos-masterdata/channel-pool.
export {
  ChannelPool,
  type ChannelPoolOptions,
  type ClientExtras,
  type GrpcClientConstructor,
  type TargetStats,
  type TlsMaterial,
  type Transport,
} from './ChannelPool.ts';
export { ReadAfterSession } from './ReadAfterSession.ts';
export { clientConstructor } from './clientConstructor.ts';
