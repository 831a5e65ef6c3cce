import { Construct } from 'constructs';
import { WebService, type WebServiceProps } from './web-service';

/** Port the unprivileged nginx listens on. */
export const NGINX_PORT = 8080;
/** User id of the nginx-unprivileged image. */
export const NGINX_USER = 101;

export interface FrontendProps extends Omit<
  WebServiceProps,
  'ports' | 'health' | 'configFiles' | 'runAsUser' | 'writablePaths' | 'component'
> {
  /** Serve index.html for unknown paths (single-page application routing). @default true */
  readonly spa?: boolean;
}

/**
 * Static content served by an unprivileged nginx (non-root user 101, port 8080, read-only root
 * filesystem with /tmp writable). The server block comes from a ConfigMap: readiness on `/` (the
 * content is there), liveness on `/healthz` (nginx answers).
 */
export class Frontend extends Construct {
  public readonly webService: WebService;

  constructor(scope: Construct, id: string, props: FrontendProps) {
    super(scope, id);
    const spa = props.spa ?? true;
    this.webService = new WebService(this, 'Web', {
      ...props,
      component: 'frontend',
      ports: { http: NGINX_PORT },
      health: { readiness: '/', liveness: '/healthz', port: 'http' },
      runAsUser: NGINX_USER,
      writablePaths: ['/tmp'],
      configFiles: { mountPath: '/etc/nginx/conf.d', files: { 'default.conf': nginxServerBlock(spa) } },
    });
  }
}

export function nginxServerBlock(spa: boolean): string {
  return [
    'server {',
    `    listen ${NGINX_PORT};`,
    '    server_name _;',
    '    root /usr/share/nginx/html;',
    '    server_tokens off;',
    '    location = /healthz {',
    '        access_log off;',
    '        default_type text/plain;',
    '        return 200 "ok\\n";',
    '    }',
    '    location / {',
    spa ? '        try_files $uri $uri/ /index.html;' : '        try_files $uri $uri/ =404;',
    '    }',
    '}',
    '',
  ].join('\n');
}
