// The official TypeScript SDK's client doing what `webox mcp call --repeat N`
// does: start the server over stdio, initialize, then N sequential
// tools/call round trips. Used by bench/mcp_calls.sh, copied next to the
// node_modules that scripts/install-test-deps.sh installed.
//
// Usage: node mcp_sdk_client.mjs N TOOL JSON-ARGS COMMAND [ARGS...]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [n, tool, args, command, ...commandArgs] = process.argv.slice(2);
const client = new Client({ name: "bench", version: "1.0" });
await client.connect(new StdioClientTransport({ command, args: commandArgs, stderr: "ignore" }));
const start = process.hrtime.bigint();
let last;
for (let i = 0; i < Number(n); i++) last = await client.callTool({ name: tool, arguments: JSON.parse(args) });
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stderr.write(`sdk: ${n} calls in ${ms.toFixed(1)} ms (${((ms * 1000) / Number(n)).toFixed(1)} us/call)\n`);
if (last.isError) process.exit(1);
await client.close();
