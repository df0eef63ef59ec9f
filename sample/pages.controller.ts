import { Controller, Get, Header, UseFilters, UseGuards } from '@nestjs/common';
import { Session, SessionAuthGuard } from '../src';
import { LoginRedirectFilter } from './login-redirect.filter';
import { accountPage, loginPage } from './pages.html';

/**
 * HTML pages for a browser, on top of the JSON routes: a login form (`GET /`) and a guarded
 * account page (`GET /account`) with a logout button. The browser e2e test drives them.
 */
@Controller()
export class PagesController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  login(): string {
    return loginPage();
  }

  @Get('account')
  @UseGuards(SessionAuthGuard)
  @UseFilters(LoginRedirectFilter)
  @Header('Content-Type', 'text/html; charset=utf-8')
  // The page shows who is logged in: a browser must ask again every time, never show a stored copy.
  @Header('Cache-Control', 'no-store')
  account(@Session() session: Session): string {
    return accountPage(session.user!);
  }
}
