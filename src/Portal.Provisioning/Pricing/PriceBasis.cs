namespace Portal.Provisioning.Pricing;

/// <summary>How far a price can be trusted.</summary>
public enum PriceBasis
{
    /// <summary>Taken from the cited source.</summary>
    Sourced,

    /// <summary>A commonly published figure that could not be checked against a stored source (notes say UNVERIFIED).</summary>
    Unverified,

    /// <summary>Derived by the estimator (e.g. a us-west-2 price taken equal to us-east-1, a stated discount).</summary>
    Assumed,
}
