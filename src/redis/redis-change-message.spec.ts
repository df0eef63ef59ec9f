import { formatChange, parseChange } from './redis-change-message';

describe('the change channel’s messages', () => {
  it('carry a handle and its version, or the handle alone once the session is gone', () => {
    expect(formatChange('h-Abc_1', 12)).toBe('h-Abc_1 12');
    expect(formatChange('h-Abc_1', null)).toBe('h-Abc_1');
    expect(parseChange('h-Abc_1 12')).toEqual({ handle: 'h-Abc_1', version: 12 });
    expect(parseChange('h-Abc_1')).toEqual({ handle: 'h-Abc_1', version: null });
    expect(parseChange(formatChange('x', 0))).toEqual({ handle: 'x', version: 0 });
  });

  it('are ignored when garbled (another writer on the channel)', () => {
    for (const message of ['', ' 3', 'h 1 2', 'h -1', 'h 1.5', 'h x']) {
      expect(parseChange(message)).toBeNull();
    }
  });
});
