// CPU time, not wall time, for bounds on work done in this process: the suite runs several files at
// once on few cores, so a wall clock also counts the time other processes had the CPU. A bound on
// CPU time still catches what it is for (a quadratic loop, a hang), whatever the machine's load.

/** Runs `fn` and returns what it returned (or threw) and the milliseconds of CPU this process spent. */
export function cpuTimed<T>(fn: () => T): { ms: number; value?: T; thrown?: unknown } {
  const before = process.cpuUsage();
  try {
    const value = fn();
    return { ms: cpuMs(before), value };
  } catch (thrown) {
    return { ms: cpuMs(before), thrown };
  }
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}
