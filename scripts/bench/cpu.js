/**
 * CPU time of other processes, read from /proc (Linux): for the share of a core that the SMTP sink
 * and the PostgreSQL server used while the Strapi instances delivered.
 */
const fs = require('fs');

const TICKS_PER_SECOND = 100;

/** User + system CPU milliseconds of one process, or 0 once it is gone. */
function processCpuMs(pid) {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** User + system CPU milliseconds of every process whose command name is `name` (e.g. postgres). */
function commandCpuMs(name) {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) total += processCpuMs(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

module.exports = { processCpuMs, commandCpuMs };
