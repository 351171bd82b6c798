// A JavaScript transform that misbehaves on purpose, to prove the sandbox contains interpreted
// guests. Config `mode` selects what `apply()` does: `ok` (returns the records), `loop` (spins
// forever), `memory` (grows an array of 1 MiB buffers forever), `trap` (an uncaught exception),
// `recursion` (unbounded recursion).
import * as weft from 'weft-sdk';

const recurse = (n) => recurse(n + 1) + 1;

export const transform = {
  describe: () => weft.pluginInfo('hostile-js', '0.1.0', 'misbehaves on purpose', { entities: ['product'] }),
  apply(records) {
    const mode = weft.config.get('mode') ?? 'ok';
    switch (mode) {
      case 'ok':
        return records.map((r) => ({ tag: 'ok', val: [r] }));
      case 'loop': {
        let i = 0;
        for (;;) i++;
      }
      case 'memory': {
        const hoard = [];
        for (;;) hoard.push(new Uint8Array(1 << 20).fill(1));
      }
      case 'trap':
        throw new Error('hostile plugin throws on purpose');
      case 'recursion':
        return recurse(0);
      default:
        return records.map(() => ({ tag: 'err', val: weft.invalid('mode', `unknown mode ${mode}`) }));
    }
  },
};
