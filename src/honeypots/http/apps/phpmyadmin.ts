// phpMyAdmin 5.2 login page (cookie auth): pma_username / pma_password + token.
import { randomBytes } from 'node:crypto'
import { escapeHtml } from '../response.js'
import type { Header } from '../parser.js'
import { textResponse, type App, type AppEnv, type AppRequest } from './app.js'

const VERSIONS = ['5.2.1', '5.2.1deb1', '5.1.1deb5ubuntu1', '5.2.2'] as const
const CT = 'text/html; charset=utf-8'

function headers(): Header[] {
  return [
    ['Set-Cookie', `phpMyAdmin=${randomBytes(13).toString('hex')}; path=/phpmyadmin/; HttpOnly; SameSite=Strict`],
    ['Set-Cookie', 'pma_lang=en; expires=Mon, 28 Dec 2026 00:00:00 GMT; Max-Age=2592000; path=/phpmyadmin/; HttpOnly; SameSite=Strict'],
    ['X-ob_mode', '1'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Content-Security-Policy', "default-src 'self' ;script-src 'self' 'unsafe-inline' 'unsafe-eval' ;style-src 'self' 'unsafe-inline' ;img-src 'self' data:  *.tile.openstreetmap.org;object-src 'none';"],
    ['X-XSS-Protection', '1; mode=block'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-Robots-Tag', 'noindex, nofollow'],
    ['Expires', 'Thu, 01 Jan 1970 00:00:00 GMT'],
    ['Cache-Control', 'no-store, no-cache, must-revalidate,  pre-check=0, post-check=0, max-age=0'],
    ['Pragma', 'no-cache'],
    ['Vary', 'Accept-Encoding'],
  ]
}

function page(req: AppRequest, env: AppEnv, token: string, error?: string, user = ''): string {
  const v = env.rng.fork('phpmyadmin/version').pick(VERSIONS)
  const base = req.path.startsWith('/phpmyadmin') ? '/phpmyadmin/' : './'
  const err = error !== undefined ? `<div class="alert alert-danger" role="alert"><img src="themes/dot.gif" title="" alt="" class="icon ic_s_error"> ${error}</div>\n` : ''
  return `<!DOCTYPE HTML>
<html lang="en" dir="ltr">
<head>
  <meta charset="utf-8">
  <meta name="referrer" content="no-referrer">
  <meta name="robots" content="noindex,nofollow,notranslate">
  <meta name="google" content="notranslate">
  <style id="cfs-style">html{display: none;}</style>
  <link rel="icon" href="favicon.ico" type="image/x-icon">
  <link rel="shortcut icon" href="favicon.ico" type="image/x-icon">
  <link rel="stylesheet" type="text/css" href="./themes/pmahomme/jquery/jquery-ui.css">
  <link rel="stylesheet" type="text/css" href="js/vendor/codemirror/lib/codemirror.css?v=${v}">
  <link rel="stylesheet" type="text/css" href="./themes/pmahomme/css/theme.css?v=${v}">
  <title>phpMyAdmin</title>
    <script data-cfasync="false" type="text/javascript" src="js/vendor/jquery/jquery.min.js?v=${v}"></script>
  <script data-cfasync="false" type="text/javascript">
// <![CDATA[
CommonParams.setAll({common_query:"",opendb_url:"index.php?route=/database/structure",lang:"en",server:"1",table:"",db:"",token:"${token}",text_dir:"ltr",LimitChars:"50",pftext:"",confirm:true,LoginCookieValidity:"1440",session_gc_maxlifetime:"1440",logged_in:false,is_https:false,rootPath:"${base}",arg_separator:"&",version:"${v}",auth_type:"cookie",user:"root"});
// ]]>
</script>
</head>
<body id="loginform">
<div id="page_content">
    <div class="container">
    <a href="./url.php?url=https%3A%2F%2Fwww.phpmyadmin.net%2F" target="_blank" rel="noopener noreferrer" class="logo">
      <img src="./themes/pmahomme/img/logo_right.png" id="imLogo" name="imLogo" alt="phpMyAdmin" border="0">
    </a>
    <h1>Welcome to <bdo dir="ltr" lang="en">phpMyAdmin</bdo></h1>
    <noscript><div class="alert alert-danger" role="alert">Javascript must be enabled past this point!</div></noscript>
    ${err}
    <div class="hide" id="js-https-mismatch"><div class="alert alert-danger" role="alert">There is a mismatch between HTTPS indicated on the server and client. This can lead to a non working phpMyAdmin or a security risk. Please fix your server configuration to indicate HTTPS properly.</div></div>

  <div class="card mb-4">
    <form method="post" id="login_form" action="index.php?route=/" name="login_form" class="disableAjax hide js-show">
      <div class="card-body">
        <fieldset class="pma-fieldset">
          <legend><input type="hidden" name="set_session" value="${randomBytes(13).toString('hex')}">Log in</legend>
          <div class="row mb-3">
            <div class="col-12"><label for="input_username" class="form-label">Username:</label></div>
            <div class="col-12"><input type="text" name="pma_username" id="input_username" value="${escapeHtml(user)}" class="form-control" autocomplete="username" spellcheck="false" autofocus></div>
          </div>
          <div class="row">
            <div class="col-12"><label for="input_password" class="form-label">Password:</label></div>
            <div class="col-12"><input type="password" name="pma_password" id="input_password" value="" class="form-control" autocomplete="current-password" spellcheck="false"></div>
          </div>
          <input type="hidden" name="server" value="1">
        </fieldset>
      </div>
      <div class="card-footer">
        <input class="btn btn-primary" value="Log in" type="submit" id="input_go">
        <input type="hidden" name="route" value="/"><input type="hidden" name="token" value="${token}">
      </div>
    </form>
  </div>
  </div>
</div>
</body>
</html>
`
}

function login(req: AppRequest, env: AppEnv) {
  const token = randomBytes(16).toString('hex')
  if (req.method === 'POST' && req.form !== undefined && req.form.has('pma_username')) {
    const user = req.form.get('pma_username') ?? ''
    const err = `mysqli::real_connect(): (HY000/1045): Access denied for user '${escapeHtml(user)}'@'localhost' (using password: ${(req.form.get('pma_password') ?? '') === '' ? 'NO' : 'YES'})<br>Cannot log in to the MySQL server`
    return textResponse(200, CT, page(req, env, token, err, user), headers())
  }
  return textResponse(200, CT, page(req, env, token), headers())
}

const LOGIN_PATHS = new Set(['/index.php', '/phpmyadmin/', '/phpmyadmin/index.php', '/phpMyAdmin/', '/phpMyAdmin/index.php', '/pma/', '/pma/index.php'])

export const phpmyadmin: App = {
  index: login,
  route(req, env) {
    if (req.path === '/' && req.method === 'POST') return login(req, env)
    if (LOGIN_PATHS.has(req.path)) return login(req, env)
    if (req.path === '/phpmyadmin' || req.path === '/phpMyAdmin' || req.path === '/pma') return env.error(301, { location: `${req.baseUrl}${req.path}/` })
    return undefined
  },
}
