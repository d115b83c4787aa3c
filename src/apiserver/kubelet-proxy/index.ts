// The API server's proxy to kubelets for pods/log, exec, attach and portforward; see README.md.
export { createKubeletProxy, kubeletTarget, kubeletPath, containerFor, statusFromKubelet, DEFAULT_KUBELET_PORT, type KubeletProxyOptions } from './kubelet-proxy.js';
export { installUpgradeRouting, takeUpgradeSocket, isUpgradeRequest, type UpgradeHandler } from './upgrade-routing.js';
