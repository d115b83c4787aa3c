// Realistic pod manifests (~1.5 KB): two containers, labels, annotations, ports, probes,
// resources, a volume. `bench/seq` is the annotation updates bump, so a watcher can tell
// which write an event belongs to.

export const SEQ_ANNOTATION = 'bench/seq';

export interface PodManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string>; resourceVersion?: string; [k: string]: unknown };
  spec: Record<string, unknown>;
  [k: string]: unknown;
}

export function podManifest(name: string, namespace: string, extraLabels: Record<string, string> = {}): PodManifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'storefront', tier: 'frontend', 'app.kubernetes.io/version': '2.4.1', 'pod-template-hash': '7d9f8b6c5d', ...extraLabels },
      annotations: { [SEQ_ANNOTATION]: '0', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9113' },
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25.3',
          imagePullPolicy: 'IfNotPresent',
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9113, protocol: 'TCP' },
          ],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'UPSTREAM', value: 'http://api.shop.svc.cluster.local:8080' },
          ],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 2, periodSeconds: 5, failureThreshold: 3 },
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 2 },
          volumeMounts: [{ name: 'cache', mountPath: '/var/cache/nginx' }],
        },
        {
          name: 'log-shipper',
          image: 'busybox:1.36',
          command: ['sh', '-c', 'tail -F /var/cache/nginx/access.log'],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
          volumeMounts: [{ name: 'cache', mountPath: '/var/cache/nginx', readOnly: true }],
        },
      ],
      volumes: [{ name: 'cache', emptyDir: { sizeLimit: '64Mi' } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
  };
}

export function namespaceManifest(name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}
