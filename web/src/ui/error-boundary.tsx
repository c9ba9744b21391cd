import { Component, type ReactNode } from 'react';

/** A screen that fails to render says so in place, instead of blanking the whole desk. */
export class ScreenErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override render(): ReactNode {
    if (this.state.error === null) return this.props.children;
    return (
      <div className="state state-error" role="alert">
        This screen failed to show: {this.state.error.message}.{' '}
        <button type="button" className="link" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
