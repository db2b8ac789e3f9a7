import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DatabaseHealthIndicator, GrpcHealthIndicator } from '@pos-masterdata/nestjs';
import { getChannelzHandlers } from '@grpc/grpc-js';

export const PRICING_TARGET = Symbol('PRICING_TARGET');

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly grpc: GrpcHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
    @Inject(PRICING_TARGET) private readonly pricing: string,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.grpc.check('pricing', { target: this.pricing }), () => this.database.isHealthy('database')]);
  }
}

/** What the test reads of this process: its live gRPC channels (channelz) and its heap. */
@Controller()
export class StatsController {
  @Get('stats')
  async stats(): Promise<{ channels: number; heapUsed: number; rss: number }> {
    (globalThis as { gc?: () => void }).gc?.();
    const channels = await new Promise<number>((resolve) =>
      getChannelzHandlers().GetTopChannels(
        { request: { start_channel_id: 0, max_results: 1_000_000 } } as never,
        ((_: unknown, response: { channel: unknown[] }) => resolve(response.channel.length)) as never,
      ),
    );
    const { heapUsed, rss } = process.memoryUsage();
    return { channels, heapUsed, rss };
  }
}
