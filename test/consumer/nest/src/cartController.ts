import { Controller, Get, Param } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { DbCall } from '@pos-masterdata/nestjs';
import { status } from '@grpc/grpc-js';
import { CartRepository, type Cart } from './cartRepository';

@Controller()
export class CartController {
  constructor(private readonly carts: CartRepository) {}

  @GrpcMethod('CartService', 'AddLine')
  addLine(request: { request_id: string; cart_id: string; sku: string; quantity: number }): Promise<Cart> {
    if (!request.request_id) throw new RpcException({ code: status.INVALID_ARGUMENT, message: 'request_id is required' });
    return this.carts.addLine(request.request_id, request.cart_id, request.sku, request.quantity);
  }

  @GrpcMethod('CartService', 'GetCart')
  getCart(request: { cart_id: string }): Promise<Cart> {
    return this.carts.get(request.cart_id);
  }

  // The same data over HTTP: no proto says what it is, the decorator does.
  @Get('carts/:id')
  @DbCall('read')
  getCartHttp(@Param('id') id: string): Promise<Cart> {
    return this.carts.get(id);
  }
}
