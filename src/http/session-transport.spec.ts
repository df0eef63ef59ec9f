import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SessionConfigurationError } from '../core/session.errors';
import { SessionTransport, type SessionTransportKind } from './session-transport.decorator';
import { answersWithHeader, declaredTransportOf, readsIdFrom, type SessionIdVia } from './session-transport';

function contextOf(type: string, handler: object, controller: object): ExecutionContext {
  return {
    getType: () => type,
    getHandler: () => handler,
    getClass: () => controller,
  } as unknown as ExecutionContext;
}

describe('which transport applies', () => {
  describe('readsIdFrom', () => {
    it.each<[SessionTransportKind, boolean, 'cookie' | 'header']>([
      ['cookie', false, 'cookie'],
      // Authorization is ignored on a cookie route, whatever it holds.
      ['cookie', true, 'cookie'],
      ['header', false, 'header'],
      ['header', true, 'header'],
      ['both', false, 'cookie'],
      // A Bearer credential decides alone on a 'both' route, even beside a cookie.
      ['both', true, 'header'],
    ])('route %s, Bearer credential %s: reads the %s', (transport, hasBearer, expected) => {
      expect(readsIdFrom(transport, hasBearer)).toBe(expected);
    });
  });

  describe('answersWithHeader', () => {
    it.each<[SessionTransportKind, SessionIdVia, boolean]>([
      ['cookie', null, false],
      ['cookie', 'cookie', false],
      ['header', null, true],
      ['header', 'header', true],
      ['both', 'header', true],
      ['both', 'cookie', false],
      // Nothing came: a browser may be asking, and its scripts must not see the ID.
      ['both', null, false],
    ])('route %s, ID via %s: token header %s', (transport, via, expected) => {
      expect(answersWithHeader(transport, via)).toBe(expected);
    });
  });

  describe('declaredTransportOf', () => {
    const reflector = new Reflector();

    it("takes the handler's choice over the controller's", () => {
      class Api {
        route(): void {}
      }
      SessionTransport('header')(Api);
      const descriptor = Object.getOwnPropertyDescriptor(Api.prototype, 'route')!;
      SessionTransport('both')(Api.prototype, 'route', descriptor);
      expect(declaredTransportOf(reflector, contextOf('http', Api.prototype.route, Api))).toBe('both');
      const other = (): void => undefined;
      expect(declaredTransportOf(reflector, contextOf('http', other, Api))).toBe('header');
    });

    it("leaves undecorated HTTP routes to the module's option and lets WebSocket messages take both", () => {
      class Plain {
        route(): void {}
      }
      expect(declaredTransportOf(reflector, contextOf('http', Plain.prototype.route, Plain))).toBeUndefined();
      expect(declaredTransportOf(reflector, contextOf('graphql', Plain.prototype.route, Plain))).toBeUndefined();
      expect(declaredTransportOf(reflector, contextOf('ws', Plain.prototype.route, Plain))).toBe('both');
      SessionTransport('cookie')(Plain);
      expect(declaredTransportOf(reflector, contextOf('ws', Plain.prototype.route, Plain))).toBe('cookie');
    });

    it('refuses an unknown transport when the decorator is applied', () => {
      expect(() => SessionTransport('token' as SessionTransportKind)).toThrow(SessionConfigurationError);
    });
  });
});
