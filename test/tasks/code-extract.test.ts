import { describe, expect, it } from 'vitest';
import { extractCode, normaliseCode } from '../../src/tasks/code/index.js';

describe('extractCode', () => {
  it('takes the fenced python block that defines the entry point', () => {
    const reply = [
      'First a helper:',
      '```python',
      'def helper(x):',
      '    return x + 1',
      '```',
      'And the solution:',
      '```python',
      'def solve(n):',
      '    return helper(n) * 2',
      '```',
      'Example:',
      '```python',
      'print(solve(3))',
      '```',
    ].join('\n');
    expect(extractCode(reply, 'solve')).toBe('def solve(n):\n    return helper(n) * 2');
  });

  it('accepts py / python3 / untagged fences and ignores other languages', () => {
    expect(extractCode('```py\ndef f():\n    return 1\n```', 'f')).toBe('def f():\n    return 1');
    expect(extractCode('```\ndef f():\n    return 2\n```', 'f')).toBe('def f():\n    return 2');
    const mixed = '```bash\npip install x\n```\n```python3\ndef f():\n    return 3\n```';
    expect(extractCode(mixed, 'f')).toBe('def f():\n    return 3');
    expect(extractCode('```bash\necho hi\n```', 'f')).toBeNull();
  });

  it('prefers the last block defining the entry point (a revised answer)', () => {
    const reply =
      '```python\ndef f():\n    return 1\n```\nOops, fixed:\n```python\ndef f():\n    return 2\n```';
    expect(extractCode(reply, 'f')).toBe('def f():\n    return 2');
  });

  it('without an entry point, prefers a block with a def over a usage example', () => {
    const reply = '```python\ndef g(x):\n    return x\n```\n```python\nprint(g(1))\n```';
    expect(extractCode(reply)).toBe('def g(x):\n    return x');
  });

  it('keeps a block cut off at the end of the reply', () => {
    expect(extractCode('Here:\n```python\ndef f():\n    return 5\n', 'f')).toBe('def f():\n    return 5');
  });

  it('keeps backticks inside strings of a block and handles CRLF', () => {
    const reply = '```python\r\ndef f():\r\n    return "a`b"\r\n```';
    expect(extractCode(reply, 'f')).toBe('def f():\n    return "a`b"');
  });

  it('takes the whole reply when it is plain code', () => {
    const code = 'import math\n\n\ndef f(x):\n    return math.sqrt(x)\n';
    expect(extractCode(code, 'f')).toBe('import math\n\n\ndef f(x):\n    return math.sqrt(x)');
  });

  it('cuts unfenced code out of prose around it', () => {
    const reply = 'Sure! Here is the function.\n\ndef f(x):\n    return x * 2\n\nThis doubles x.';
    expect(extractCode(reply, 'f')).toBe('def f(x):\n    return x * 2');
  });

  it('returns null for prose without code', () => {
    expect(extractCode('I cannot solve this problem, sorry.', 'f')).toBeNull();
    expect(extractCode('', 'f')).toBeNull();
  });
});

describe('normaliseCode', () => {
  it('ignores comments, blank lines, trailing spaces and line endings but not code', () => {
    const a = 'def f(x):\r\n    # double it\r\n\r\n    return x * 2   # done\r\n';
    const b = 'def f(x):\n    return x * 2';
    expect(normaliseCode(a)).toBe(normaliseCode(b));
    expect(normaliseCode(b)).not.toBe(normaliseCode('def f(x):\n    return x * 3'));
    expect(normaliseCode('s = "# not a comment"')).toBe('s = "# not a comment"');
  });
});
