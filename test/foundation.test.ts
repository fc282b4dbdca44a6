import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { kernelAbiVersion } from '../src/wasm/kernel.js'

const root = new URL('../', import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
const installed = (name: string) =>
  JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), 'utf8')).version

describe('foundation', () => {
  it('pins @assemblyscript/loader to exactly the assemblyscript compiler version', () => {
    // A drifted loader reads WASM memory with the wrong layout (hdr-histogram-js shipped that bug).
    expect(pkg.dependencies['@assemblyscript/loader']).toMatch(/^\d+\.\d+\.\d+$/)
    expect(pkg.devDependencies.assemblyscript).toBe(pkg.dependencies['@assemblyscript/loader'])
    expect(installed('@assemblyscript/loader')).toBe(installed('assemblyscript'))
    expect(installed('assemblyscript')).toBe(pkg.devDependencies.assemblyscript)
  })

  it('loads the compiled module with the ABI this code was written for', () => {
    expect(kernelAbiVersion()).toBe(3)
  })

  it('ships the compiled .wasm and the compiled JS in the package', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    })
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path)
    expect(files).toContain('build/swarm-perf.wasm')
    expect(files).toContain('dist/index.js')
    expect(files).toContain('dist/wasm/kernel.js')
    expect(files).toContain('dist/cli/main.js')
  })

  it('declares the runtime dependencies and only one TS file imports the loader', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(
      ['@assemblyscript/loader', 'rxjs', 'systeminformation', 'zod'].sort(),
    )
    const hits = execFileSync('grep', ['-rl', '@assemblyscript/loader', 'src'], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
    expect(hits).toEqual(['src/wasm/kernel.ts'])
  })
})
