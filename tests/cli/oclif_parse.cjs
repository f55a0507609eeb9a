// Parse argv lists with the installed Heroku CLI's own parser (@oclif/core), as `heroku ARGV` would.
// ITEMS, one argument: [{"argv": ["addons:create", "heroku-postgresql:essential-0"], "env": {"HEROKU_APP": "x"}}, ...]
// Its answer on stdout: {"commands": [ids and aliases], "results": [{"id", "flags", "args"} or {"error"}, ...]}
// Usage: node oclif_parse.cjs PATH/node_modules/heroku ITEMS
// Not on stdin: oclif reads a missing argument from a piped stdin; run it with stdin at /dev/null.
const { Config, Parser } = require(require.resolve("@oclif/core", { paths: [process.argv[2]] }));

async function answer(config, items) {
  const byName = new Map();
  for (const command of config.commands) {
    for (const name of [command.id, ...(command.aliases || []), ...(command.hiddenAliases || [])]) {
      if (!byName.has(name)) byName.set(name, command);
    }
  }
  const results = [];
  for (const { argv, env } of items) {
    const command = byName.get(argv[0]);
    if (!command) {
      results.push({ error: "not a command" });
      continue;
    }
    const saved = { ...process.env };
    Object.assign(process.env, env || {});
    try {
      const Command = await command.load();
      const parsed = await Parser.parse(argv.slice(1), {
        flags: { ...Command.baseFlags, ...Command.flags },
        args: Command.args,
        strict: Command.strict,
        context: { config },
      });
      results.push({ id: command.id, flags: parsed.flags, args: parsed.argv });
    } catch (error) {
      // oclif's message, without its "See more help with --help" line.
      const lines = error.message.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("See more help"));
      results.push({ error: lines.join(" ").replace(/^The following errors? occurred: /, "") });
    } finally {
      process.env = saved;
    }
  }
  return JSON.stringify({ commands: [...byName.keys()], results });
}

(async () => {
  const config = await Config.load(process.argv[2]);
  process.stdout.write(await answer(config, JSON.parse(process.argv[3])) + "\n");
})().catch((error) => {
  console.error(error.stack);
  process.exit(1);
});
