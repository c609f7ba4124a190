import test from 'ava';
import type { BuildContext } from '../src/build-context.js';
import { summarizeBuild } from '../src/build-summary.js';
import type { FirmwareManifest } from '../src/stages/firmware/record.js';

const manifest = (leftOut: FirmwareManifest['leftOut']): FirmwareManifest => ({
  choice: 'none',
  files: [],
  leftOut,
  withoutFirmware: [{ module: 'bnx2', family: 'broadcom-bnx2', package: 'firmware-bnx2', effect: 'down' }],
  microcode: [],
  licences: [],
});

test('the summary names the NICs without their firmware once, and the left-out files of each director', (t) => {
  const ctx = {
    options: { dryRun: false },
    timings: {},
    firmware: {
      lv1: { entries: [], early: [], manifest: manifest([]) },
      lv2: {
        entries: [],
        early: [],
        manifest: manifest([
          { name: 'tigon/tg3.bin', modules: ['tg3'], reason: 'hardware.firmware is none' },
        ]),
      },
    },
  } as unknown as BuildContext;
  const s = summarizeBuild(ctx);
  t.deepEqual(s.warnings, [
    'hardware.firmware is none: bnx2 (broadcom-bnx2) will not come up without firmware-bnx2',
    'lv2: firmware tigon/tg3.bin (declared by tg3) left out: hardware.firmware is none',
  ]);
  t.deepEqual(
    s.lines.filter((l) => l.startsWith('warning: ')),
    s.warnings.map((w) => `warning: ${w}`),
  );
});
