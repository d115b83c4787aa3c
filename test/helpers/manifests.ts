// Manifests the end-to-end tests share.

export interface WhoamiOptions {
  replicas: number;
  /** Extra lines for the pod spec (already indented by 6 spaces), e.g. tolerations. */
  podSpec?: string[];
  /** Extra lines for the container (indented by 8 spaces), e.g. a lifecycle hook. */
  container?: string[];
  /** Extra lines for the Service spec (indented by 2 spaces), e.g. `type: NodePort`. */
  service?: string[];
  /** The Service's port (targetPort is always 8080). */
  port?: number;
}

/**
 * A Deployment of busybox httpd pods that answer `GET /` with their own name (so a test can
 * tell which pod a request reached), ready once httpd serves, and its Service `name`.
 */
export function whoami(name: string, o: WhoamiOptions): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: ${name}}`,
    'spec:',
    `  replicas: ${o.replicas}`,
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}}`,
    '    spec:',
    ...(o.podSpec ?? []).map((l) => `      ${l}`),
    '      containers:',
    '      - name: c',
    '        image: busybox:latest',
    '        imagePullPolicy: IfNotPresent',
    "        command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www']",
    '        ports: [{containerPort: 8080}]',
    '        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}',
    ...(o.container ?? []).map((l) => `        ${l}`),
    '---',
    'apiVersion: v1',
    'kind: Service',
    `metadata: {name: ${name}}`,
    'spec:',
    `  selector: {app: ${name}}`,
    `  ports: [{port: ${o.port ?? 80}, targetPort: 8080}]`,
    ...(o.service ?? []).map((l) => `  ${l}`),
    '',
  ].join('\n');
}
