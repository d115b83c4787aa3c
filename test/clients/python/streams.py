# Exec and port-forward of Debian's python3-kubernetes (both over its WebSocket client)
# against a pod running busybox httpd on 8080. Usage: streams.py KUBECONFIG NS POD
import json
import sys

from kubernetes import client, config
from kubernetes.stream import stream, portforward

kubeconfig, ns, pod = sys.argv[1], sys.argv[2], sys.argv[3]
config.load_kube_config(config_file=kubeconfig)
core = client.CoreV1Api()
out = {}


def step(what):
    # Progress on stderr: a hang shows where it stopped.
    print("streams.py: " + what, file=sys.stderr, flush=True)


step("one-shot exec")
# One-shot exec: the stream helper returns stdout and stderr together.
out["exec"] = stream(core.connect_get_namespaced_pod_exec, pod, ns, command=["sh", "-c", "echo hi from $(hostname)"],
                     stderr=True, stdin=False, stdout=True, tty=False)

step("interactive exec")
# Interactive exec: write to stdin, read stdout and stderr apart, and the exit code.
resp = stream(core.connect_get_namespaced_pod_exec, pod, ns, command=["sh", "-c", "read x; echo got $x; echo oops >&2; exit 4"],
              stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
resp.write_stdin("hello\n")
stdout, stderr = "", ""
while resp.is_open():
    resp.update(timeout=5)
    stdout += resp.read_stdout() if resp.peek_stdout() else ""
    stderr += resp.read_stderr() if resp.peek_stderr() else ""
resp.close()
out["stdout"], out["stderr"], out["returncode"] = stdout, stderr, resp.returncode

step("port-forward")
# Port-forward: an HTTP request through the forwarded socket.
pf = portforward(core.connect_get_namespaced_pod_portforward, pod, ns, ports="8080")
sock = pf.socket(8080)
sock.setblocking(True)
sock.settimeout(15)
sock.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
data = b""
while True:
    chunk = sock.recv(4096)
    if not chunk:
        break
    data += chunk
sock.close()
out["forwarded"] = data.decode()
out["pf_error"] = pf.error(8080)
step("done")
print(json.dumps(out))
