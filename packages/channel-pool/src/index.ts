// The public entry point of @pos-masterdata/channel-pool.
export {
  ChannelPool,
  type ChannelPoolOptions,
  type GrpcClientConstructor,
  type TargetStats,
  type TlsMaterial,
  type Transport,
} from './ChannelPool.ts';
