/** Builds the admin page into `outDir` (default dist/admin): one JS and one CSS bundle plus index.html. */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export async function buildAdminUi(outDir = join(HERE, '..', 'dist', 'admin')): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(HERE, 'src', 'main.ts') },
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await copyFile(join(HERE, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = await buildAdminUi(process.argv[2]);
  console.log(`admin page built in ${outDir}`);
}
