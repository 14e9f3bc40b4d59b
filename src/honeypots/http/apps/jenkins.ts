// Jenkins 2.4xx (Jetty): anonymous read denied, /login form with
// j_username / j_password, X-Jenkins headers on every answer.
import { randomBytes } from 'node:crypto'
import { escapeHtml } from '../response.js'
import type { Header } from '../parser.js'
import { textResponse, type App, type AppEnv, type AppRequest } from './app.js'

export const JENKINS_VERSIONS = ['2.426.3', '2.440.3', '2.452.4', '2.462.3', '2.479.1'] as const
const CT = 'text/html;charset=utf-8'

export function jenkinsHeaders(env: Pick<AppEnv, 'rng'>): Header[] {
  const r = env.rng.fork('jenkins/headers')
  return [
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Hudson', '1.395'],
    ['X-Jenkins', r.pick(JENKINS_VERSIONS)],
    ['X-Jenkins-Session', r.hex(4)],
  ]
}

function session(): Header {
  return ['Set-Cookie', `JSESSIONID.${randomBytes(4).toString('hex')}=node0${randomBytes(12).toString('base64url').toLowerCase()}.node0; Path=/; HttpOnly`]
}

function loginPage(req: AppRequest, env: AppEnv, error: boolean): string {
  const v = jenkinsHeaders(env)[2]?.[1] ?? ''
  const from = new URLSearchParams(req.query).get('from') ?? '/'
  return `<!DOCTYPE html><html lang="en-US"><head resURL="/static/${env.rng.fork('jenkins/res').hex(4)}" data-rooturl="" data-resurl="/static/${env.rng.fork('jenkins/res').hex(4)}" data-imagesurl="/static/${env.rng.fork('jenkins/res').hex(4)}/images"><title>Sign in [Jenkins]</title><meta name="ROBOTS" content="NOFOLLOW"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/static/${env.rng.fork('jenkins/res').hex(4)}/jsbundles/simple-page.css" type="text/css"></head><body><div class="simple-page" role="main"><div class="modal login"><div id="loginIntroDefault"><div class="logo"></div><h1>Sign in to Jenkins</h1></div>` +
    (error ? '<div class="app-sign-in-register__error">Invalid username or password</div>' : '') +
    `<form method="post" name="login" action="j_spring_security_check"><div class="jenkins-form-item jenkins-form-item--tight"><label class="jenkins-form-label" for="j_username">Username</label><input autocorrect="off" autocomplete="username" name="j_username" id="j_username" placeholder="Username" type="text" class="jenkins-input" autofocus="autofocus" aria-describedby="loginIntroDefault"></div><div class="jenkins-form-item jenkins-form-item--tight"><label class="jenkins-form-label" for="j_password">Password</label><input name="j_password" id="j_password" placeholder="Password" type="password" class="jenkins-input" autocomplete="current-password"></div><div class="jenkins-checkbox"><input type="checkbox" id="remember_me" name="remember_me"><label for="remember_me">Keep me signed in</label></div><input name="from" type="hidden" value="${escapeHtml(from)}"><button type="submit" name="Submit" class="jenkins-button jenkins-button--primary">Sign in</button></form><div class="footer"></div></div></div><div class="jenkins-version">Jenkins ${escapeHtml(v)}</div></body></html>`
}

function forbidden(req: AppRequest, env: AppEnv): string {
  const from = encodeURIComponent(req.path)
  return `<html><head><meta http-equiv='refresh' content='1;url=/login?from=${from}'/><script id='redirect' data-redirect-url='/login?from=${from}' src='/static/${env.rng.fork('jenkins/res').hex(4)}/scripts/redirect.js'></script></head><body style='background-color:white; color:white;'>\nAuthentication required\n<!--\n-->\n\n</body></html>`
}

/** Stapler/Jetty pages go out chunked. */
function streamed(...args: Parameters<typeof textResponse>) {
  return { ...textResponse(...args), streamed: true }
}

export const jenkins: App = {
  index(req, env) {
    return streamed(403, CT, forbidden(req, env), [...jenkinsHeaders(env), session(), ['Expires', 'Thu, 01 Jan 1970 00:00:00 GMT']])
  },
  route(req, env) {
    const p = req.path
    if (p === '/login' || p === '/loginError') {
      return streamed(p === '/login' ? 200 : 401, CT, loginPage(req, env, p === '/loginError'), [...jenkinsHeaders(env), session(), ['Expires', 'Thu, 01 Jan 1970 00:00:00 GMT'], ['Cache-Control', 'no-cache,no-store,must-revalidate']])
    }
    if (p === '/j_spring_security_check' || p === '/j_acegi_security_check') {
      return { status: 302, headers: [...jenkinsHeaders(env), session(), ['Location', `${req.baseUrl}/loginError`]], body: Buffer.alloc(0) }
    }
    if (p.startsWith('/static/') || p === '/favicon.ico' || p === '/robots.txt') return undefined
    // Everything else needs Overall/Read.
    return streamed(403, CT, forbidden(req, env), [...jenkinsHeaders(env), session(), ['Expires', 'Thu, 01 Jan 1970 00:00:00 GMT']])
  },
}
