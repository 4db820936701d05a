/**
 * CPU time and memory of other processes, read from /proc (Linux): the share of a core that the SMTP
 * sink and the PostgreSQL server used while Strapi worker processes delivered, and a worker's RSS.
 */
import fs from 'fs';

const TICKS_PER_SECOND = 100;

/**
 * User + system CPU milliseconds of one process, or 0 once it is gone; with `withEndedChildren`,
 * plus those of its children that have ended (a server's finished connections).
 */
export function processCpuMs(pid: number | string, { withEndedChildren = false } = {}) {
  try {
    // Fields after the command name (which may hold spaces): utime, stime, cutime and cstime are the 12th to 15th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').map(Number);
    const ticks = fields[11] + fields[12] + (withEndedChildren ? fields[13] + fields[14] : 0);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * User + system CPU milliseconds of every process whose command name is `name` (e.g. postgres),
 * counting those that ended too: without them, a PostgreSQL connection closed between two readings
 * took its CPU time out of the total (a negative share was printed).
 */
export function commandCpuMs(name: string) {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) total += processCpuMs(entry, { withEndedChildren: true });
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** Resident set size of one process in bytes, or 0 once it is gone. */
export function processRssBytes(pid: number) {
  try {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return line ? Number(line[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
