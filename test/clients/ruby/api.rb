# Drives Debian's ruby-kubeclient against a k8ts server. Usage: api.rb KUBECONFIG NS
# Prints one JSON object with what it saw; the node test asserts on it.
require 'json'
require 'kubeclient'

kubeconfig, ns = ARGV
config = Kubeclient::Config.read(kubeconfig)
ctx = config.context
client = Kubeclient::Client.new(ctx.api_endpoint, 'v1', ssl_options: ctx.ssl_options, auth_options: ctx.auth_options)
out = {}

cm = Kubeclient::Resource.new(metadata: { name: 'rb-cm', namespace: ns, labels: { src: 'rb' } }, data: { 'a' => '1' })
created = client.create_config_map(cm)
out['created_rv'] = !created.metadata.resourceVersion.to_s.empty?
out['got'] = client.get_config_map('rb-cm', ns).data.to_h
out['listed'] = client.get_config_maps(namespace: ns, label_selector: 'src=rb').map { |i| i.metadata.name }
client.patch_config_map('rb-cm', { data: { 'b' => '2' } }, ns)
out['patched'] = client.get_config_map('rb-cm', ns).data.to_h

# A watch of the namespace's ConfigMaps from the list's resourceVersion (kubeclient uses the
# legacy /api/v1/watch/namespaces/NS/configmaps path), while another thread writes.
rv = client.get_config_maps(namespace: ns, as: :raw)
rv = JSON.parse(rv)['metadata']['resourceVersion']
watcher = client.watch_config_maps(namespace: ns, resource_version: rv)
events = []
writer = Thread.new do
  sleep 0.3
  client.update_config_map(Kubeclient::Resource.new(metadata: { name: 'rb-cm', namespace: ns }, data: { 'c' => '3' }))
  client.delete_config_map('rb-cm', ns)
end
timer = Thread.new { sleep 20; watcher.finish }
watcher.each do |notice|
  next unless notice.object.metadata.name == 'rb-cm'
  events << [notice.type, notice.object.data.to_h]
  break if notice.type == 'DELETED'
end
watcher.finish
timer.kill
writer.join
out['events'] = events
begin
  client.get_config_map('rb-cm', ns)
rescue Kubeclient::ResourceNotFoundError => e
  out['after_delete'] = e.error_code
end
puts JSON.generate(out)
