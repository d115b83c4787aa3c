# Drives Debian's python3-kubernetes CustomObjectsApi against a k8ts server. Usage:
# crd.py KUBECONFIG NS GROUP. The CRD (crontabs.GROUP, v1 and v1beta1 served) already exists.
# Prints one JSON object with what it saw; the node test asserts on it.
import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

kubeconfig, ns, group = sys.argv[1], sys.argv[2], sys.argv[3]
config.load_kube_config(config_file=kubeconfig)
co = client.CustomObjectsApi()
ext = client.ApiextensionsV1Api()
out = {}

crd = ext.read_custom_resource_definition("crontabs." + group)
out["established"] = any(c.type == "Established" and c.status == "True" for c in crd.status.conditions)

events = []
w = watch.Watch()
ready = threading.Event()


def watcher():
    rv = co.list_namespaced_custom_object(group, "v1", ns, "crontabs")["metadata"]["resourceVersion"]
    ready.set()
    for ev in w.stream(co.list_namespaced_custom_object, group, "v1", ns, "crontabs", resource_version=rv, timeout_seconds=20):
        events.append([ev["type"], ev["object"]["metadata"]["name"]])
        if ev["type"] == "DELETED":
            w.stop()


t = threading.Thread(target=watcher)
t.start()
ready.wait(10)
body = {"apiVersion": group + "/v1", "kind": "CronTab", "metadata": {"name": "py-ct"}, "spec": {"cronSpec": "* * * * *", "image": "py"}}
created = co.create_namespaced_custom_object(group, "v1", ns, "crontabs", body)
out["created_replicas"] = created["spec"]["replicas"]
out["listed"] = [i["metadata"]["name"] for i in co.list_namespaced_custom_object(group, "v1", ns, "crontabs")["items"]]
out["beta_api_version"] = co.get_namespaced_custom_object(group, "v1beta1", ns, "crontabs", "py-ct")["apiVersion"]
co.patch_namespaced_custom_object(group, "v1", ns, "crontabs", "py-ct", {"spec": {"replicas": 3}})
out["patched_replicas"] = co.get_namespaced_custom_object(group, "v1", ns, "crontabs", "py-ct")["spec"]["replicas"]
try:
    co.create_namespaced_custom_object(group, "v1", ns, "crontabs", {**body, "metadata": {"name": "py-bad"}, "spec": {"replicas": 99}})
except ApiException as e:
    b = json.loads(e.body)
    out["invalid"] = [e.status, b["reason"], b["details"]["causes"][0]["field"]]
co.delete_namespaced_custom_object(group, "v1", ns, "crontabs", "py-ct")
t.join(30)
out["events"] = events
try:
    co.get_namespaced_custom_object(group, "v1", ns, "crontabs", "py-ct")
except ApiException as e:
    out["after_delete"] = e.status
print(json.dumps(out))
