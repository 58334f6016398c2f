/**
 * make-icons: renders build/icons/ (PNG sizes, icon.ico, icon.icns, tray-<state>
 * PNGs) from the SVGs in build/icons-src/; committed, so packaging needs nothing
 * but electron-builder. Run by hand after changing an SVG (needs rsvg-convert:
 * apt-get install librsvg2-bin): node --import tsx tools/make-icons.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'build', 'icons-src');
const out = join(root, 'build', 'icons');

export const APP_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
export const TRAY_STATES = ['normal', 'alert', 'warning', 'suspended'] as const;
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** icns entry types holding PNG data, by pixel size (several types share a size: @1x and @2x slots). */
const ICNS_TYPES: [string, number][] = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

function render(svg: string, size: number): Buffer {
  return execFileSync('rsvg-convert', ['--width', String(size), '--height', String(size), '--format', 'png', svg]);
}

export function ico(pngs: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * pngs.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(pngs.length, 4);
  let offset = header.length;
  pngs.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt8(0, e + 2);
    header.writeUInt8(0, e + 3);
    header.writeUInt16LE(1, e + 4);
    header.writeUInt16LE(32, e + 6);
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...pngs.map((p) => p.png)]);
}

export function icns(entries: { type: string; png: Buffer }[]): Buffer {
  const parts = entries.map(({ type, png }) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'latin1');
    h.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([h, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

function main(): void {
  mkdirSync(out, { recursive: true });
  const app = join(src, 'app.svg');
  const pngs = new Map<number, Buffer>();
  for (const size of APP_SIZES) {
    const png = render(app, size);
    pngs.set(size, png);
    writeFileSync(join(out, `${size}x${size}.png`), png);
  }
  writeFileSync(join(out, 'icon.png'), pngs.get(1024)!);
  writeFileSync(join(out, 'icon.ico'), ico(ICO_SIZES.map((size) => ({ size, png: pngs.get(size)! }))));
  writeFileSync(join(out, 'icon.icns'), icns(ICNS_TYPES.map(([type, size]) => ({ type, png: pngs.get(size)! }))));
  for (const state of TRAY_STATES) {
    const svg = join(src, `tray-${state}.svg`);
    readFileSync(svg); // fail clearly if a state's SVG is missing
    writeFileSync(join(out, `tray-${state}.png`), render(svg, 16));
    writeFileSync(join(out, `tray-${state}@2x.png`), render(svg, 32));
  }
  process.stdout.write(`make-icons: wrote ${APP_SIZES.length} app sizes, icon.ico, icon.icns and ${TRAY_STATES.length} tray states to ${out}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
