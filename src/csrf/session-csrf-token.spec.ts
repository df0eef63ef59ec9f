import { loadedSession, persistence, record, alice } from '../core/request-session.fixture';
import { RequestSession } from '../core/request-session';
import { SessionSigner } from '../core/session-signer';
import { RESERVED_CSRF_KEY } from '../core/session.constants';
import { storedCsrfSecret } from './csrf-secret';
import { verifyCsrfToken } from './csrf-token';

describe('session.csrfToken()', () => {
  it('stores a secret on first use, as a change of a reserved key the application cannot touch', () => {
    const session = loadedSession({ cart: ['socks'] });
    const token = session.csrfToken();
    const secret = storedCsrfSecret(session)!;

    expect(verifyCsrfToken(secret, token)).toBe(true);
    expect(session.changed.get(RESERVED_CSRF_KEY)).toBe(secret);
    expect(session.keys()).toEqual(['cart']);
    expect(session.toJSON()).toEqual({ cart: ['socks'] });
    expect(session.has(RESERVED_CSRF_KEY as never)).toBe(false);
    expect(() => session.get(RESERVED_CSRF_KEY as never)).toThrow(/reserved/);
    expect(() => session.set(RESERVED_CSRF_KEY as never, 'mine' as never)).toThrow(/reserved/);
  });

  it('reuses the stored secret without writing again, masking each token anew', () => {
    const session = loadedSession({ [RESERVED_CSRF_KEY]: storedSecret() });
    const [first, second] = [session.csrfToken(), session.csrfToken()];

    expect(first).not.toBe(second);
    expect(session.hasChanges).toBe(false);
    expect(verifyCsrfToken(storedSecret(), first)).toBe(true);
    expect(verifyCsrfToken(storedSecret(), second)).toBe(true);
  });

  it('gives two requests that create the secret at once on the same session the same secret', () => {
    const id = SessionSigner.generateId();
    const one = new RequestSession(id, SessionSigner.hashId(id), record(), persistence());
    const other = new RequestSession(id, SessionSigner.hashId(id), record(), persistence());
    const [tokenOne, tokenOther] = [one.csrfToken(), other.csrfToken()];

    // Whichever write lands last, both tokens verify against it.
    expect(storedCsrfSecret(one)).toBe(storedCsrfSecret(other));
    expect(verifyCsrfToken(storedCsrfSecret(other)!, tokenOne)).toBe(true);
    expect(verifyCsrfToken(storedCsrfSecret(one)!, tokenOther)).toBe(true);
  });

  it('keeps the secret through login, logout, regenerate() and clear(), so earlier tokens still verify', () => {
    const session = loadedSession();
    const token = session.csrfToken();
    session.login(alice).regenerate().clear();
    session.logout();

    expect(verifyCsrfToken(storedCsrfSecret(session)!, token)).toBe(true);
  });

  it('replaces a stored value that is not a secret', () => {
    const session = loadedSession({ [RESERVED_CSRF_KEY]: 'not-a-secret' });
    const token = session.csrfToken();
    expect(storedCsrfSecret(session)).not.toBeNull();
    expect(verifyCsrfToken(storedCsrfSecret(session)!, token)).toBe(true);
  });

  it('refuses to issue a token for a destroyed session', () => {
    const session = loadedSession();
    session.destroy();
    expect(() => session.csrfToken()).toThrow(/destroyed/);
  });
});

function storedSecret(): string {
  return 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
}
