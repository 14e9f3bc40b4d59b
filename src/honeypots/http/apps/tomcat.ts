// Apache Tomcat 9 default ROOT page and the Manager/Host Manager behind
// Basic auth (realm "Tomcat Manager Application") answering 401.
import { textResponse, type App, type AppEnv } from './app.js'

export const TOMCAT_VERSIONS = ['9.0.58', '9.0.65', '9.0.71', '9.0.83', '9.0.85'] as const

export function tomcatVersion(env: Pick<AppEnv, 'rng'>): string {
  return env.rng.fork('tomcat/version').pick(TOMCAT_VERSIONS)
}

function rootPage(version: string): string {
  const year = new Date().getUTCFullYear()
  // index.jsp: its page directives leave three blank lines before the doctype
  return `


<!DOCTYPE html>
<html lang="en">
    <head>
        <meta charset="UTF-8" />
        <title>Apache Tomcat/${version}</title>
        <link href="favicon.ico" rel="icon" type="image/x-icon" />
        <link href="tomcat.css" rel="stylesheet" type="text/css" />
    </head>

    <body>
        <div id="wrapper">
            <div id="navigation" class="curved container">
                <span id="nav-home"><a href="https://tomcat.apache.org/">Home</a></span>
                <span id="nav-hosts"><a href="/docs/">Documentation</a></span>
                <span id="nav-config"><a href="/docs/config/">Configuration</a></span>
                <span id="nav-examples"><a href="/examples/">Examples</a></span>
                <span id="nav-wiki"><a href="https://wiki.apache.org/tomcat/FrontPage">Wiki</a></span>
                <span id="nav-lists"><a href="https://tomcat.apache.org/lists.html">Mailing Lists</a></span>
                <span id="nav-help"><a href="https://tomcat.apache.org/findhelp.html">Find Help</a></span>
                <br class="separator" />
            </div>
            <div id="asf-box">
                <h1>Apache Tomcat/${version}</h1>
            </div>
            <div id="upper" class="curved container">
                <div id="congrats" class="curved container">
                    <h2>If you're seeing this, you've successfully installed Tomcat. Congratulations!</h2>
                </div>
                <div id="notice">
                    <img id="tomcat-logo" src="tomcat.svg" alt="[tomcat logo]" />
                    <div id="tasks">
                        <h3>Recommended Reading:</h3>
                        <h4><a href="/docs/security-howto.html">Security Considerations How-To</a></h4>
                        <h4><a href="/docs/manager-howto.html">Manager Application How-To</a></h4>
                        <h4><a href="/docs/cluster-howto.html">Clustering/Session Replication How-To</a></h4>
                    </div>
                </div>
                <div id="actions">
                    <div class="button">
                        <a class="container shadow" href="/manager/status"><span>Server Status</span></a>
                    </div>
                    <div class="button">
                        <a class="container shadow" href="/manager/html"><span>Manager App</span></a>
                    </div>
                    <div class="button">
                        <a class="container shadow" href="/host-manager/html"><span>Host Manager</span></a>
                    </div>
                </div>
                <br class="separator" />
            </div>
            <div id="middle" class="curved container">
                <h3>Developer Quick Start</h3>
                <div class="col25">
                    <div class="container">
                        <p><a href="/docs/setup.html">Tomcat Setup</a></p>
                        <p><a href="/docs/appdev/">First Web Application</a></p>
                    </div>
                </div>
                <div class="col25">
                    <div class="container">
                        <p><a href="/docs/realm-howto.html">Realms &amp; AAA</a></p>
                        <p><a href="/docs/jndi-datasource-examples-howto.html">JDBC DataSources</a></p>
                    </div>
                </div>
                <div class="col25">
                    <div class="container">
                        <p><a href="/examples/">Examples</a></p>
                    </div>
                </div>
                <div class="col25">
                    <div class="container">
                        <p><a href="https://wiki.apache.org/tomcat/Specifications">Servlet Specifications</a></p>
                        <p><a href="https://wiki.apache.org/tomcat/TomcatVersions">Tomcat Versions</a></p>
                    </div>
                </div>
                <br class="separator" />
            </div>
            <p class="copyright">Copyright &copy;1999-${year} Apache Software Foundation.  All Rights Reserved</p>
        </div>
    </body>

</html>
`
}

function unauthorized(app: 'manager' | 'host-manager'): string {
  const role = app === 'manager' ? 'manager-gui' : 'admin-gui'
  return `<!DOCTYPE html>
<html>
 <head>
  <title>401 Unauthorized</title>
  <style type="text/css">
    <!--
    BODY {font-family:Tahoma,Arial,sans-serif;color:black;background-color:white;font-size:12px;}
    H1 {font-family:Tahoma,Arial,sans-serif;color:white;background-color:#525D76;font-size:22px;}
    PRE, TT {border: 1px dotted #525D76}
    A {color : black;}A.name {color : black;}
    -->
  </style>
 </head>
 <body>
   <h1>401 Unauthorized</h1>
   <p>
    You are not authorized to view this page. If you have not changed
    any configuration files, please examine the file
    <tt>conf/tomcat-users.xml</tt> in your installation. That
    file must contain the credentials to let you use this webapp.
   </p>
   <p>
    For example, to add the <tt>${role}</tt> role to a user named
    <tt>tomcat</tt> with a password of <tt>s3cret</tt>, add the following to the
    config file listed above.
   </p>
<pre>
&lt;role rolename="${role}"/&gt;
&lt;user username="tomcat" password="s3cret" roles="${role}"/&gt;
</pre>
   <p>
    Note that for Tomcat 7 onwards, the roles required to use the ${app === 'manager' ? 'manager' : 'host manager'} application
    were changed from the single <tt>${app === 'manager' ? 'manager' : 'admin'}</tt> role to the
    following ${app === 'manager' ? 'four' : 'two'} roles. You will need to assign the role(s) required for
    the functionality you wish to access.
   </p>
 </body>

</html>
`
}

const REALMS = { manager: 'Tomcat Manager Application', 'host-manager': 'Tomcat Host Manager Application' } as const

export const tomcat: App = {
  index(_req, env) {
    return { ...textResponse(200, 'text/html;charset=UTF-8', rootPage(tomcatVersion(env))), streamed: true }
  },
  route(req, env) {
    const m = /^\/(manager|host-manager)(\/.*)?$/.exec(req.path)
    if (!m) return undefined
    const app = m[1] as 'manager' | 'host-manager'
    if (m[2] === undefined || m[2] === '/') return env.error(302, { location: `/${app}/html` })
    return textResponse(401, 'text/html;charset=ISO-8859-1', unauthorized(app), [
      ['Cache-Control', 'private'],
      ['WWW-Authenticate', `Basic realm="${REALMS[app]}"`],
    ])
  },
}
