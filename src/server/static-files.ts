import { readdirSync, readFileSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The dashboard's own folder: next to this file in src/ and, copied by the build, in dist/. */
export const staticRoot = fileURLToPath(new URL('./static/', import.meta.url))

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

export interface StaticFile {
  body: Buffer
  contentType: string
}

/**
 * Every servable file of the folder, read once, keyed by URL path. A request is answered from this map or not at
 * all, so no request path (`..`, encoded slashes, symlinks) can reach a file outside the folder. Files of other
 * types (licenses, notes) are not served.
 */
export function loadStaticFiles(root: string = staticRoot): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile() && contentTypes[extname(entry.name)]) {
        const urlPath = `/${relative(root, path).split(sep).join('/')}`
        files.set(urlPath, { body: readFileSync(path), contentType: contentTypes[extname(entry.name)] })
      }
    }
  }
  walk(root)
  const index = files.get('/index.html')
  if (index) files.set('/', index)
  return files
}
