import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { Session } from './session.decorator';
import { SessionInterceptor } from './session.interceptor';

const interceptorsOf = (handler: unknown) => Reflect.getMetadata('__interceptors__', handler as object) as unknown;

@Controller()
class Routes {
  @Get('plain')
  plain(): string {
    return 'no session';
  }

  @Get('with-session')
  withSession(@Session() session: Session): string {
    return session.handle;
  }

  @Get('twice')
  twice(@Session() first: Session, @Session() second: Session): boolean {
    return first === second;
  }

  @Get('own-interceptor')
  @UseInterceptors(class Own {})
  own(@Session() session: Session): string {
    return session.handle;
  }
}

describe('@Session()', () => {
  it('binds no interceptor to a handler that does not take the session', () => {
    expect(interceptorsOf(Routes.prototype.plain)).toBeUndefined();
  });

  it('binds SessionInterceptor to a handler that takes the session, once however many parameters take it', () => {
    expect(interceptorsOf(Routes.prototype.withSession)).toEqual([SessionInterceptor]);
    expect(interceptorsOf(Routes.prototype.twice)).toEqual([SessionInterceptor]);
  });

  it("binds it outside the handler's own interceptors: they see the session loaded, and what they change is saved", () => {
    expect(interceptorsOf(Routes.prototype.own)).toEqual([SessionInterceptor, expect.any(Function)]);
  });
});
