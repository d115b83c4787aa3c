# Drives Debian's python3-kubernetes against a k8ts server. Usage: api.py KUBECONFIG SCENARIO NS
# Prints one JSON object with what it saw; the node test asserts on it.
import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

kubeconfig, scenario, ns = sys.argv[1], sys.argv[2], sys.argv[3]
config.load_kube_config(config_file=kubeconfig)
core = client.CoreV1Api()
apps = client.AppsV1Api()
out = {}


def crud():
    core.create_namespaced_config_map(ns, {"metadata": {"name": "py-cm", "labels": {"src": "py"}}, "data": {"a": "1"}})
    out["listed"] = [i.metadata.name for i in core.list_namespaced_config_map(ns, label_selector="src=py").items]
    out["all_namespaces"] = any(i.metadata.name == "py-cm" for i in core.list_config_map_for_all_namespaces().items)
    try:
        core.create_namespaced_config_map(ns, {"metadata": {"name": "py-cm"}})
    except ApiException as e:
        out["duplicate"] = [e.status, json.loads(e.body)["reason"]]
    api = client.ApiClient()

    def patch(path, content_type, body):
        api.call_api(
            path, "PATCH", header_params={"Content-Type": content_type, "Accept": "application/json"}, body=body,
            auth_settings=["BearerToken"], response_type="object", _return_http_data_only=True,
        )

    # A JSON merge patch (the generated methods pick strategic merge for a dict, JSON patch for a list).
    patch("/api/v1/namespaces/%s/configmaps/py-cm" % ns, "application/merge-patch+json", {"data": {"b": "2", "x": "9"}})
    patch("/api/v1/namespaces/%s/configmaps/py-cm" % ns, "application/merge-patch+json", {"data": {"x": None}})
    out["after_merge"] = core.read_namespaced_config_map("py-cm", ns).data
    # A JSON patch: a list body.
    core.patch_namespaced_config_map("py-cm", ns, [{"op": "remove", "path": "/data/a"}, {"op": "add", "path": "/data/c", "value": "3"}])
    out["after_json"] = core.read_namespaced_config_map("py-cm", ns).data
    # A strategic merge patch on a Deployment's containers list, merged by name.
    dep = {
        "metadata": {"name": "py-dep"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "py-dep"}},
            "template": {
                "metadata": {"labels": {"app": "py-dep"}},
                "spec": {"containers": [{"name": "a", "image": "busybox:1"}, {"name": "b", "image": "busybox:1"}]},
            },
        },
    }
    apps.create_namespaced_deployment(ns, dep)
    apps.patch_namespaced_deployment("py-dep", ns, {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "busybox:2"}]}}}})
    got = apps.read_namespaced_deployment("py-dep", ns)
    out["after_strategic"] = [[c.name, c.image] for c in got.spec.template.spec.containers]
    core.delete_namespaced_config_map("py-cm", ns)
    apps.delete_namespaced_deployment("py-dep", ns, propagation_policy="Foreground")
    try:
        core.read_namespaced_config_map("py-cm", ns)
    except ApiException as e:
        out["after_delete"] = e.status


def watching():
    w = watch.Watch()
    first = core.list_namespaced_config_map(ns)
    rv = first.metadata.resource_version
    done = threading.Event()

    def writer():
        core.create_namespaced_config_map(ns, {"metadata": {"name": "py-w"}, "data": {"v": "1"}})
        core.patch_namespaced_config_map("py-w", ns, {"data": {"v": "2"}})
        core.delete_namespaced_config_map("py-w", ns)

    events = []
    threading.Timer(0.5, writer).start()
    for ev in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=20):
        o = ev["object"]
        if o.metadata.name != "py-w":
            continue
        events.append([ev["type"], (o.data or {}).get("v")])
        if ev["type"] == "DELETED":
            w.stop()
    out["events"] = events
    # Resume from the resourceVersion of the first event: the later two come again.
    mid = None
    w2 = watch.Watch()
    resumed = []
    for ev in w2.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=20):
        o = ev["object"]
        if o.metadata.name != "py-w":
            continue
        if mid is None:
            mid = o.metadata.resource_version
            w2.stop()
    w3 = watch.Watch()
    for ev in w3.stream(core.list_namespaced_config_map, ns, resource_version=mid, timeout_seconds=20):
        o = ev["object"]
        if o.metadata.name != "py-w":
            continue
        resumed.append(ev["type"])
        if ev["type"] == "DELETED":
            w3.stop()
    out["resumed"] = resumed
    # Push the first resourceVersion out of the watch window (the server runs with a small
    # --default-watch-cache-size): the ERROR event with 410 Gone reaches the caller as an
    # ApiException (the client retries only without timeout_seconds), who relists.
    core.create_namespaced_config_map(ns, {"metadata": {"name": "py-churn"}, "data": {"i": "0"}})
    for i in range(1, 60):
        core.patch_namespaced_config_map("py-churn", ns, {"data": {"i": str(i)}})
    core.delete_namespaced_config_map("py-churn", ns)
    try:
        got = []
        for ev in watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=10):
            got.append(ev["type"])
            break
        out["expired"] = got
    except ApiException as e:
        out["expired"] = e.status
    relisted = core.list_namespaced_config_map(ns)
    out["relisted"] = int(relisted.metadata.resource_version) > int(rv)


{"crud": crud, "watch": watching}[scenario]()
print(json.dumps(out))
