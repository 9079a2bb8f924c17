import type { ApolloError } from "@apollo/client";

/** The gateway's errors as a shopper-facing notice, each with its `extensions.code`. */
export function ErrorView({ error }: { error: ApolloError }) {
  const fromServer =
    (error.networkError as { result?: { errors?: GraphQLErrorLike[] } } | null)?.result?.errors ??
    [];
  const errors: GraphQLErrorLike[] = [...error.graphQLErrors, ...fromServer];
  return (
    <div className="error" role="alert">
      {errors.length > 0 ? (
        errors.map((e, i) => (
          <p key={i}>
            <code>{String(e.extensions?.code ?? "ERROR")}</code> {e.message}
          </p>
        ))
      ) : (
        <p>{error.message}</p>
      )}
    </div>
  );
}

type GraphQLErrorLike = { message: string; extensions?: Record<string, unknown> };
