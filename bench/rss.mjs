// Preloaded with `node --import` into a command the import benchmark measures: prints the process's
// peak resident set size (KiB) on stderr as it exits.
process.on('exit', () => {
  process.stderr.write(`\nmodelgate-bench-max-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
