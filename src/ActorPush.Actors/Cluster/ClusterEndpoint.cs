using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;

namespace ActorPush.Actors.Cluster;

/// <summary>
/// This node's place in a cluster: its remoting endpoint (and the public one other nodes dial, behind NAT or in a
/// container) and the seed nodes to join. Null anywhere a setting is asked for means single node.
/// </summary>
public sealed record ClusterEndpoint(string Hostname, int Port, string? PublicHostname, int? PublicPort, IReadOnlyList<string> Seeds)
{
    /// <summary>The actor system's name, part of every node address (<c>akka.tcp://actorpush@host:port</c>).</summary>
    public const string SystemName = "actorpush";
}

/// <summary>Turns cluster mode on for an actor system through Akka.Remote.Hosting and Akka.Cluster.Hosting.</summary>
public static class PushCluster
{
    /// <summary>
    /// Opens the remoting port and joins the seed nodes. Every other cluster knob (failure detector, split-brain
    /// resolver, frame size) comes from the HOCON (hocon/actorpush.conf and the operator's overrides).
    /// </summary>
    public static AkkaConfigurationBuilder AddPushCluster(this AkkaConfigurationBuilder builder, ClusterEndpoint endpoint) =>
        builder
            .WithRemoting(new RemoteOptions
            {
                HostName = endpoint.Hostname,
                Port = endpoint.Port,
                PublicHostName = endpoint.PublicHostname,
                PublicPort = endpoint.PublicPort,
            })
            .WithClustering(new ClusterOptions { SeedNodes = [.. endpoint.Seeds] });
}
