using System.Reflection;

namespace PeeringAutomation.Local.Lambda;

/// <summary>A handler method bound to its one instance (Lambda reuses the instance across invocations).</summary>
public delegate Task<Stream> LambdaHandler(Stream input);

/// <summary>
/// Resolves a .NET class-library handler string, <c>Assembly::Namespace.Type::Method</c> (nested
/// types as <c>Outer+Inner</c>), to a callable: loads the assembly (already loaded, or by name from
/// the host's directory), creates one instance with the parameterless constructor and binds
/// <c>Task&lt;Stream&gt; Method(Stream)</c> (a synchronous <c>Stream Method(Stream)</c> works too).
/// </summary>
public static class HandlerResolver
{
    /// <summary>Resolves and instantiates; throws <see cref="HandlerNotResolved"/> with the reason.</summary>
    public static LambdaHandler Resolve(string handler)
    {
        var parts = handler.Split("::");
        if (parts.Length != 3 || parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new HandlerNotResolved(handler, "the valid format is 'ASSEMBLY::TYPE::METHOD'");
        }
        var (assemblyName, typeName, methodName) = (parts[0], parts[1], parts[2]);
        var assembly = LoadAssembly(handler, assemblyName);
        var type = assembly.GetType(typeName, throwOnError: false)
            ?? throw new HandlerNotResolved(handler, $"type {typeName} not found in {assembly.GetName().Name}");
        var candidates = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m.Name == methodName).ToList();
        if (candidates.Count == 0)
        {
            throw new HandlerNotResolved(handler, $"{type.FullName} has no public method {methodName}");
        }
        var method = candidates.FirstOrDefault(m => m.GetParameters() is [{ ParameterType: var p }] && p == typeof(Stream)
                && (m.ReturnType == typeof(Task<Stream>) || m.ReturnType == typeof(Stream)))
            ?? throw new HandlerNotResolved(handler, $"{type.FullName}.{methodName} must have the signature Task<Stream> {methodName}(Stream input)");
        object? instance = null;
        if (!method.IsStatic)
        {
            if (type.GetConstructor(Type.EmptyTypes) is not { } constructor)
            {
                throw new HandlerNotResolved(handler, $"{type.FullName} has no public parameterless constructor");
            }
            try
            {
                instance = constructor.Invoke(null);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new HandlerNotResolved(handler, $"the constructor of {type.FullName} threw {e.InnerException.GetType().Name}: {e.InnerException.Message}", e.InnerException);
            }
        }
        if (method.ReturnType == typeof(Task<Stream>))
        {
            return method.CreateDelegate<LambdaHandler>(instance);
        }
        // A synchronous handler: run it so that its exceptions surface like an async one's.
        var sync = method.CreateDelegate<Func<Stream, Stream>>(instance);
        return input => Task.FromResult(sync(input));
    }

    private static Assembly LoadAssembly(string handler, string name)
    {
        var loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == name);
        if (loaded is not null)
        {
            return loaded;
        }
        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (FileNotFoundException)
        {
            // Not in the host's dependency graph: try a dll next to the host (copied there by a build).
            var file = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            if (File.Exists(file))
            {
                return System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(file);
            }
            throw new HandlerNotResolved(handler, $"assembly {name} is neither loaded nor next to the host ({AppContext.BaseDirectory})");
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException)
        {
            throw new HandlerNotResolved(handler, $"assembly {name} could not be loaded ({e.Message})", e);
        }
    }
}

/// <summary>A function's <c>Handler</c> cannot be run; the message says which and why.</summary>
public sealed class HandlerNotResolved(string handler, string reason, Exception? inner = null)
    : Exception($"Invalid lambda function handler: '{handler}': {reason}", inner);
