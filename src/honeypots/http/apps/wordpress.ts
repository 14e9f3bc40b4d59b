// WordPress 6.x on Apache + PHP: login form (log/pwd), /wp-admin redirect,
// XML-RPC, readme.html and the REST API index.
import { escapeHtml } from '../response.js'
import type { Header } from '../parser.js'
import { textResponse, type App, type AppEnv, type AppRequest } from './app.js'

const VERSIONS = ['6.4.3', '6.5.5', '6.6.2', '6.7.1', '6.8.1'] as const
const NO_CACHE: Header[] = [
  ['Expires', 'Wed, 11 Jan 1984 05:00:00 GMT'],
  ['Cache-Control', 'no-cache, must-revalidate, max-age=0, no-store, private'],
]
const CT = 'text/html; charset=UTF-8'

function version(env: AppEnv): string {
  return env.rng.fork('wordpress/version').pick(VERSIONS)
}

function siteName(env: AppEnv): string {
  const h = env.hostname.split('.')[0] ?? env.hostname
  return h.charAt(0).toUpperCase() + h.slice(1).toLowerCase()
}

function loginPage(req: AppRequest, env: AppEnv, error?: string, user = ''): string {
  const v = version(env)
  const b = req.baseUrl
  const err = error !== undefined ? `<div id="login_error" class="notice notice-error">${error}</div>\n` : ''
  return `<!DOCTYPE html>
<html lang="en-US">
	<head>
	<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
	<title>Log In &lsaquo; ${escapeHtml(siteName(env))} &#8212; WordPress</title>
	<meta name='robots' content='max-image-preview:large, noindex, noarchive' />
<link rel='stylesheet' id='dashicons-css' href='${b}/wp-includes/css/dashicons.min.css?ver=${v}' media='all' />
<link rel='stylesheet' id='buttons-css' href='${b}/wp-includes/css/buttons.min.css?ver=${v}' media='all' />
<link rel='stylesheet' id='forms-css' href='${b}/wp-admin/css/forms.min.css?ver=${v}' media='all' />
<link rel='stylesheet' id='l10n-css' href='${b}/wp-admin/css/l10n.min.css?ver=${v}' media='all' />
<link rel='stylesheet' id='login-css' href='${b}/wp-admin/css/login.min.css?ver=${v}' media='all' />
	<meta name='referrer' content='strict-origin-when-cross-origin' />
		<meta name="viewport" content="width=device-width, initial-scale=1.0" />
		</head>
	<body class="login no-js login-action-login wp-core-ui  locale-en-us">
	<script type="text/javascript">
/* <![CDATA[ */
document.body.className = document.body.className.replace('no-js','js');
/* ]]> */
</script>

				<h1 class="screen-reader-text">Log In</h1>
			<div id="login">
		<h1><a href="https://wordpress.org/">Powered by WordPress</a></h1>
	${err}
		<form name="loginform" id="loginform" action="${b}/wp-login.php" method="post">
			<p>
				<label for="user_login">Username or Email Address</label>
				<input type="text" name="log" id="user_login" class="input" value="${escapeHtml(user)}" size="20" autocapitalize="off" autocomplete="username" required="required" />
			</p>

			<div class="user-pass-wrap">
				<label for="user_pass">Password</label>
				<div class="wp-pwd">
					<input type="password" name="pwd" id="user_pass" class="input password-input" value="" size="20" autocomplete="current-password" spellcheck="false" required="required" />
					<button type="button" class="button button-secondary wp-hide-pw hide-if-no-js" data-toggle="0" aria-label="Show password">
						<span class="dashicons dashicons-visibility" aria-hidden="true"></span>
					</button>
				</div>
			</div>
						<p class="forgetmenot"><input name="rememberme" type="checkbox" id="rememberme" value="forever"  /> <label for="rememberme">Remember Me</label></p>
			<p class="submit">
				<input type="submit" name="wp-submit" id="wp-submit" class="button button-primary button-large" value="Log In" />
									<input type="hidden" name="redirect_to" value="${b}/wp-admin/" />
									<input type="hidden" name="testcookie" value="1" />
			</p>
		</form>

					<p id="nav">
				<a class="wp-login-lost-password" href="${b}/wp-login.php?action=lostpassword">Lost your password?</a>			</p>
			<p id="backtoblog">
			<a href="${b}/">&larr; Go to ${escapeHtml(siteName(env))}</a>		</p>
			</div>
		</body>
	</html>
	`
}

function loginHeaders(): Header[] {
  return [
    ...NO_CACHE,
    ['Set-Cookie', 'wordpress_test_cookie=WP%20Cookie%20check; path=/; HttpOnly'],
    ['X-Frame-Options', 'SAMEORIGIN'],
    ['Referrer-Policy', 'strict-origin-when-cross-origin'],
  ]
}

function xmlrpcFault(code: number, msg: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<methodResponse>
  <fault>
    <value>
      <struct>
        <member>
          <name>faultCode</name>
          <value><int>${code}</int></value>
        </member>
        <member>
          <name>faultString</name>
          <value><string>${msg}</string></value>
        </member>
      </struct>
    </value>
  </fault>
</methodResponse>
`
}

const XMLRPC_METHODS = ['system.multicall', 'system.listMethods', 'system.getCapabilities', 'wp.getUsersBlogs', 'wp.getPosts', 'wp.getProfile', 'wp.getOptions', 'wp.uploadFile', 'metaWeblog.getRecentPosts', 'blogger.getUsersBlogs', 'pingback.ping', 'pingback.extensions.getPingbacks', 'demo.sayHello', 'demo.addTwoNumbers']

function xmlrpc(req: AppRequest) {
  if (req.method !== 'POST') return textResponse(405, 'text/plain;charset=UTF-8', 'XML-RPC server accepts POST requests only.', [['Allow', 'POST']])
  const body = req.body.toString('utf8')
  const method = /<methodName>\s*([^<]{1,100})\s*<\/methodName>/.exec(body)?.[1]?.trim()
  const xml = 'text/xml; charset=UTF-8'
  let out: string
  if (method === undefined) out = xmlrpcFault(-32700, 'parse error. not well formed')
  else if (method === 'system.listMethods') {
    out = `<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <params>\n    <param>\n      <value>\n      <array><data>\n${XMLRPC_METHODS.map((m) => `  <value><string>${m}</string></value>`).join('\n')}\n</data></array>\n      </value>\n    </param>\n  </params>\n</methodResponse>\n`
  } else if (method === 'demo.sayHello') {
    out = '<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <params>\n    <param>\n      <value>\n      <string>Hello!</string>\n      </value>\n    </param>\n  </params>\n</methodResponse>\n'
  } else if (XMLRPC_METHODS.includes(method)) out = xmlrpcFault(403, 'Incorrect username or password.')
  else out = xmlrpcFault(-32601, `server error. requested method ${escapeHtml(method)} does not exist.`)
  return textResponse(200, xml, out)
}

function readme(env: AppEnv): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
	<meta name="viewport" content="width=device-width" />
	<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
	<title>WordPress &#8250; ReadMe</title>
	<link rel="stylesheet" href="wp-admin/css/install.css?ver=20100228" type="text/css" />
</head>
<body>
<h1 id="logo">
	<a href="https://wordpress.org/"><img alt="WordPress" src="wp-admin/images/wordpress-logo.png" /></a>
</h1>
<p style="text-align: center">Semantic Personal Publishing Platform</p>

<h2>First Things First</h2>
<p>Welcome. WordPress is a very special project to me. Every developer and contributor adds something unique to the mix, and together we create something beautiful that I am proud to be a part of. Thousands of hours have gone into WordPress, and we are dedicated to making it better every day. Thank you for making it part of your world.</p>
<p style="text-align: right">&#8212; Matt Mullenweg</p>

<h2>Installation: Famous 5-minute install</h2>
<ol>
	<li>Unzip the package in an empty directory and upload everything.</li>
	<li>Open <span class="file"><a href="wp-admin/install.php">wp-admin/install.php</a></span> in your browser. It will take you through the process to set up a <code>wp-config.php</code> file with your database connection details.</li>
</ol>

<h2>System Requirements</h2>
<ul>
	<li><a href="https://www.php.net/">PHP</a> version <strong>7.2.24</strong> or greater.</li>
	<li><a href="https://www.mysql.com/">MySQL</a> version <strong>5.5.5</strong> or greater.</li>
</ul>

<h2>License</h2>
<p>WordPress is free software, and is released under the terms of the <abbr>GPL</abbr> (GNU General Public License) version 2 or (at your option) any later version. See <a href="license.txt">license.txt</a>.</p>
<!-- Version ${version(env)} -->
</body>
</html>
`
}

function home(req: AppRequest, env: AppEnv): string {
  const b = req.baseUrl
  const name = escapeHtml(siteName(env))
  return `<!DOCTYPE html>
<html lang="en-US">
<head>
	<meta charset="UTF-8" />
	<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name='robots' content='max-image-preview:large' />
	<title>${name}</title>
<link rel="alternate" type="application/rss+xml" title="${name} &raquo; Feed" href="${b}/feed/" />
<link rel='stylesheet' id='wp-block-library-css' href='${b}/wp-includes/css/dist/block-library/style.min.css?ver=${version(env)}' media='all' />
<link rel="https://api.w.org/" href="${b}/wp-json/" /><link rel="EditURI" type="application/rsd+xml" title="RSD" href="${b}/xmlrpc.php?rsd" />
<meta name="generator" content="WordPress ${version(env)}" />
</head>
<body class="home blog wp-embed-responsive">
<div class="wp-site-blocks"><header class="wp-block-template-part"><p class="wp-block-site-title"><a href="${b}" target="_self" rel="home">${name}</a></p></header>
<main class="wp-block-group"><h2 class="wp-block-post-title"><a href="${b}/?p=1" target="_self">Hello world!</a></h2>
<div class="wp-block-post-excerpt"><p class="wp-block-post-excerpt__excerpt">Welcome to WordPress. This is your first post. Edit or delete it, then start writing! </p></div></main>
<footer class="wp-block-template-part"><p class="has-text-align-center">Proudly powered by <a href="https://wordpress.org" rel="nofollow">WordPress</a></p></footer></div>
</body>
</html>
`
}

export const wordpress: App = {
  index(req, env) {
    return textResponse(200, CT, home(req, env), [['Link', `<${req.baseUrl}/wp-json/>; rel="https://api.w.org/"`]])
  },
  route(req, env) {
    const p = req.path
    if (p === '/wp-login.php') {
      if (req.method === 'POST') {
        const user = req.form?.get('log') ?? ''
        const msg = user === ''
          ? '<strong>Error:</strong> The username field is empty.<br />'
          : `<strong>Error:</strong> The password you entered for the username <strong>${escapeHtml(user)}</strong> is incorrect. <a href="${req.baseUrl}/wp-login.php?action=lostpassword">Lost your password?</a>`
        return textResponse(200, CT, loginPage(req, env, msg, user), loginHeaders())
      }
      return textResponse(200, CT, loginPage(req, env), loginHeaders())
    }
    if (p === '/wp-admin') return env.error(301, { location: `${req.baseUrl}/wp-admin/` })
    if (p === '/wp-admin/' || p === '/wp-admin/index.php' || p === '/admin' || p === '/admin/' || p === '/login' || p === '/dashboard') {
      const to = encodeURIComponent(`${req.baseUrl}/wp-admin/`)
      return { status: 302, contentType: CT, headers: [...NO_CACHE, ['X-Redirect-By', 'WordPress'], ['Location', `${req.baseUrl}/wp-login.php?redirect_to=${to}&reauth=1`]], body: Buffer.alloc(0) }
    }
    if (p === '/xmlrpc.php') return xmlrpc(req)
    if (p === '/readme.html') return { ...textResponse(200, 'text/html', readme(env)), file: { mtime: env.installDate } }
    if (p === '/wp-json' || p === '/wp-json/') {
      const b = req.baseUrl
      const doc = { name: siteName(env), description: '', url: b, home: b, gmt_offset: 0, timezone_string: '', namespaces: ['oembed/1.0', 'wp/v2', 'wp-site-health/v1'], authentication: [], routes: {} }
      return textResponse(200, 'application/json; charset=UTF-8', JSON.stringify(doc), [
        ['X-Robots-Tag', 'noindex'], ['Link', `<${b}/wp-json/>; rel="https://api.w.org/"`], ['X-Content-Type-Options', 'nosniff'],
        ['Access-Control-Expose-Headers', 'X-WP-Total, X-WP-TotalPages, Link'], ['Access-Control-Allow-Headers', 'Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type'], ['Allow', 'GET'],
      ])
    }
    if (p === '/wp-json/wp/v2/users' || p === '/wp-json/wp/v2/users/') {
      const b = req.baseUrl
      const users = [{ id: 1, name: 'admin', url: '', description: '', link: `${b}/author/admin/`, slug: 'admin', avatar_urls: {}, meta: [], _links: {} }]
      return textResponse(200, 'application/json; charset=UTF-8', JSON.stringify(users), [['X-Robots-Tag', 'noindex'], ['X-Content-Type-Options', 'nosniff'], ['X-WP-Total', '1'], ['X-WP-TotalPages', '1'], ['Allow', 'GET']])
    }
    return undefined
  },
}
