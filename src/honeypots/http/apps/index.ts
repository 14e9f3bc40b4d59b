import type { App } from './app.js'
import { jenkins } from './jenkins.js'
import { phpmyadmin } from './phpmyadmin.js'
import { tomcat } from './tomcat.js'
import { wordpress } from './wordpress.js'

/** fake_app → skin. Default pages (none/*_default) are handled by the router. */
export const APPS: Readonly<Record<string, App>> = Object.freeze({ wordpress, phpmyadmin, tomcat, jenkins })
