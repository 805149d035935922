import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMcpConfig, mcpServersFor, parseMcpConfig } from '../../src/mcp/config';
import { mcpOutput } from '../../src/mcp/mcp-tools';
import { exposedToolName } from '../../src/mcp/names';

describe('MCP configuration', () => {
  it('reads the mcpServers format, stdio and HTTP, expanding ${VAR} in env and headers only', () => {
    const servers = parseMcpConfig(
      {
        mcpServers: {
          github: { command: 'npx', args: ['-y', 'server-github', '${NOT_EXPANDED}'], env: { TOKEN: 'Bearer ${GH}', PLAIN: 'x' }, timeoutMs: 5_000 },
          web: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${WEB_TOKEN}' }, tools: { search: { timeoutMs: 20_000, requiresApproval: true } } },
        },
      },
      { GH: 'gh-secret', WEB_TOKEN: 'web-secret' },
    );
    expect(servers).toEqual([
      { name: 'github', command: 'npx', args: ['-y', 'server-github', '${NOT_EXPANDED}'], env: { TOKEN: 'Bearer gh-secret', PLAIN: 'x' }, timeoutMs: 5_000 },
      { name: 'web', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer web-secret' }, tools: { search: { timeoutMs: 20_000, requiresApproval: true } } },
    ]);
  });

  it('says what is wrong, naming a missing variable but never a value', () => {
    expect(() => parseMcpConfig({ mcpServers: { a: { command: 'x', env: { K: '${MISSING_ONE}' } } } }, {})).toThrow(
      "the MCP configuration: mcpServers.a.env.K uses ${MISSING_ONE}, which is not set in the worker's environment",
    );
    expect(() => parseMcpConfig({ servers: {} }, {})).toThrow(/the MCP configuration is invalid: .*mcpServers/);
    expect(() => parseMcpConfig({ mcpServers: { 'bad name!': { command: 'x' } } }, {})).toThrow(/server names are 1-32 letters/);
    expect(() => parseMcpConfig({ mcpServers: { a: { command: 'x', url: 'http://h/mcp' } } }, {})).toThrow(/invalid/);
  });

  it('loads a file (a relative cwd is the file\'s folder); --mcp-config wins over DURABLE_AGENT_MCP_CONFIG; blank means none', () => {
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-mcp-config-'));
    try {
      const path = join(folder, 'mcp.json');
      writeFileSync(path, JSON.stringify({ mcpServers: { local: { command: 'node', args: ['server.js'], cwd: 'servers' } } }));
      expect(loadMcpConfig(path, {})).toEqual([{ name: 'local', command: 'node', args: ['server.js'], cwd: join(folder, 'servers') }]);
      expect(mcpServersFor(undefined, { DURABLE_AGENT_MCP_CONFIG: path })).toHaveLength(1);
      expect(mcpServersFor(undefined, { DURABLE_AGENT_MCP_CONFIG: '  ' })).toEqual([]);
      expect(() => mcpServersFor(join(folder, 'nope.json'), { DURABLE_AGENT_MCP_CONFIG: path })).toThrow(/Cannot read the MCP configuration .*nope\.json/);
      writeFileSync(path, '{ not json');
      expect(() => loadMcpConfig(path, {})).toThrow(/is not valid JSON/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('names the model sees', () => {
  it('server__tool, sanitized, at most 64 characters, unique', () => {
    expect(exposedToolName('github', 'create_issue', new Set())).toBe('github__create_issue');
    expect(exposedToolName('fs', 'read.file/v2', new Set())).toBe('fs__read_file_v2');
    const long = exposedToolName('server', 'x'.repeat(100), new Set());
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^server__x+_[0-9a-f]{6}$/);
    expect(exposedToolName('server', 'y'.repeat(100), new Set())).not.toBe(long);
    expect(exposedToolName('fs', 'read_file', new Set(['fs__read_file']))).toBe('fs__read_file_2');
    expect(exposedToolName('fs', 'read_file', new Set(['fs__read_file', 'fs__read_file_2']))).toBe('fs__read_file_3');
  });
});

describe('MCP results as outputs', () => {
  it('prefers structured content; otherwise text, with images and resources described, not inlined', () => {
    expect(mcpOutput({ content: [{ type: 'text', text: 'a' }], structuredContent: { n: 1 } })).toEqual({ n: 1 });
    expect(mcpOutput({ content: [{ type: 'text', text: 'only' }] })).toBe('only');
    expect(
      mcpOutput({
        content: [
          { type: 'text', text: 'see:' },
          { type: 'image', data: 'AAAA', mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inside' } },
          { type: 'resource_link', uri: 'file:///b', name: 'b' },
        ],
      }),
    ).toBe('see:\n[image image/png, 3 bytes, not shown]\n[resource file:///a.txt]\ninside\n[resource link file:///b (b)]');
  });
});
