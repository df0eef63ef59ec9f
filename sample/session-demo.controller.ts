import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { Session } from '../src';
import { KV_PREFIX, SampleSessionData } from './sample-session';

type SampleSession = Session<SampleSessionData>;

/** The routes that show reading and writing session data. */
@Controller()
export class SessionDemoController {
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('counter')
  counter(@Session() session: SampleSession): { visits: number } {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return { visits };
  }

  @Post('cart')
  @HttpCode(200)
  addToCart(@Body() body: unknown, @Session() session: SampleSession): { cart: string[] } {
    const itemId = (body as { itemId?: unknown } | null)?.itemId;
    if (typeof itemId !== 'string' && typeof itemId !== 'number') {
      throw new BadRequestException('Expected a JSON body {"itemId": string}');
    }
    const cart = [...(session.get('cart') ?? []), String(itemId)];
    session.set('cart', cart);
    return { cart };
  }

  @Get('cart')
  cart(@Session() session: SampleSession): { cart: string[] } {
    return { cart: session.get('cart') ?? [] };
  }

  @Put('kv/:key')
  putValue(@Param('key') key: string, @Body() body: unknown, @Session() session: SampleSession): { ok: true } {
    if (body === null || typeof body !== 'object' || !('value' in body)) {
      throw new BadRequestException('Expected a JSON body {"value": any JSON value}');
    }
    session.set(`${KV_PREFIX}${key}`, (body as { value: unknown }).value);
    return { ok: true };
  }

  @Get('kv')
  values(@Session() session: SampleSession): { kv: Record<string, unknown> } {
    const entries = session
      .keys()
      .filter((key) => key.startsWith(KV_PREFIX))
      .map((key) => [key.slice(KV_PREFIX.length), session.get(key)]);
    return { kv: Object.fromEntries(entries) };
  }

  @Post('flash')
  @HttpCode(200)
  flash(@Body() body: unknown, @Session() session: SampleSession): { ok: true } {
    const { type, message } = (body ?? {}) as { type?: unknown; message?: unknown };
    if (typeof type !== 'string' || type === '' || typeof message !== 'string') {
      throw new BadRequestException('Expected a JSON body {"type": string, "message": string}');
    }
    session.flash(type, message);
    return { ok: true };
  }

  @Get('flash')
  flashes(@Session() session: SampleSession): { messages: Record<string, string[]> } {
    return { messages: session.flashes() };
  }
}
