using System.Diagnostics.CodeAnalysis;

namespace PeeringAutomation.Core.Requests;

/// <summary>
/// The outcome of parsing one request event: either the request, or every reason it was
/// refused (never both, never neither). A refusal is data to emit in a
/// <c>Peering Request Rejected</c> event, not an exception.
/// </summary>
/// <typeparam name="T">The request record.</typeparam>
public sealed class RequestParseResult<T> where T : class
{
    private RequestParseResult(T? value, IReadOnlyList<Reason> reasons)
    {
        Value = value;
        Reasons = reasons;
    }

    /// <summary>The request when <see cref="IsValid"/>; otherwise null.</summary>
    public T? Value { get; }

    /// <summary>Every problem found, in document order; empty exactly when <see cref="IsValid"/>.</summary>
    public IReadOnlyList<Reason> Reasons { get; }

    /// <summary>Whether the event parsed into a request.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    public bool IsValid => Value is not null;

    /// <summary>A parsed request.</summary>
    public static RequestParseResult<T> Success(T value) =>
        new(value ?? throw new ArgumentNullException(nameof(value)), []);

    /// <summary>A refusal; <paramref name="reasons"/> must not be empty.</summary>
    public static RequestParseResult<T> Failure(IReadOnlyList<Reason> reasons) =>
        reasons is { Count: > 0 }
            ? new(null, reasons)
            : throw new ArgumentException("A refusal needs at least one reason.", nameof(reasons));

    /// <inheritdoc />
    public override string ToString() =>
        IsValid ? $"valid: {Value}" : $"invalid: {string.Join("; ", Reasons)}";
}
