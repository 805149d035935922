import { InvalidArgumentError } from 'commander';
import { parseFastTools, parseNonNegativeInteger, parsePositiveInteger } from '../../src/cli/parse';

describe('integer options', () => {
  it('take integers up to Number.MAX_SAFE_INTEGER', () => {
    expect(parseNonNegativeInteger('0')).toBe(0);
    expect(parseNonNegativeInteger(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(parsePositiveInteger('12')).toBe(12);
  });

  it.each([
    [parseNonNegativeInteger, '99999999999999999999', /^Expected an integer >= 0 and at most 9007199254740991, got `99999999999999999999`\.$/],
    [parseNonNegativeInteger, '9007199254740992', /at most 9007199254740991, got `9007199254740992`/],
    [parseNonNegativeInteger, '-1', /^Expected an integer >= 0, got `-1`\.$/],
    [parsePositiveInteger, '99999999999999999999', /^Expected an integer >= 1 and at most 9007199254740991/],
    [parsePositiveInteger, '0', /^Expected an integer >= 1, got `0`\.$/],
  ])('refuse what would be rounded or is out of range: %p(%s)', (parse, value, message) => {
    expect(() => parse(value)).toThrow(InvalidArgumentError);
    expect(() => parse(value)).toThrow(message);
  });
});

describe('--fast-tools', () => {
  it('names tools (patterns too), or none; an empty list is refused', () => {
    expect(parseFastTools('read_file, github__get_*')).toEqual(['read_file', 'github__get_*']);
    expect(parseFastTools('none')).toBe(false);
    expect(parseFastTools('false')).toBe(false);
    expect(() => parseFastTools(' , ')).toThrow(InvalidArgumentError);
  });
});
