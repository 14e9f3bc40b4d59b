import { test } from 'node:test'
import assert from 'node:assert/strict'
import { multipartParts } from './multipart.js'
import { parseMultipart } from './credentials.js'
import { multipartFiles } from './uploads.js'

const CT = 'multipart/form-data; boundary="XyZ"'
const body = Buffer.from(
  '--XyZ\r\nContent-Disposition: form-data; name="user"\r\n\r\nroot\r\n' +
  '--XyZ\r\nContent-Disposition: form-data; name="f"; filename="sh.php"\r\n\r\n<?php system($_GET[1]);\r\n' +
  '--XyZ\r\nContent-Disposition: form-data; name="pass"\r\n\r\ntoo', // cut mid-part
)

test('multipart: parts with names, filenames and a truncated last part', () => {
  const parts = multipartParts(body, CT)
  assert.deepEqual(parts.map((p) => [p.name, p.filename, p.data.toString(), p.complete]), [
    ['user', undefined, 'root', true],
    ['f', 'sh.php', '<?php system($_GET[1]);', true],
    ['pass', undefined, 'too', false],
  ])
})

test('multipart: credentials read complete text parts; uploads read file parts', () => {
  assert.deepEqual([...parseMultipart(body, CT)], [['user', 'root']])
  assert.deepEqual(multipartFiles(body, CT).map((u) => [u.name, u.field, u.data.toString()]), [['sh.php', 'f', '<?php system($_GET[1]);']])
  assert.deepEqual(multipartParts(body, 'multipart/form-data'), [])
})
