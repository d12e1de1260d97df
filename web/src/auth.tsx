import { createContext, useContext, type ReactNode } from 'react';

export type Role = 'admin' | 'clinician' | 'nurse' | 'patient';

export interface User {
  id: string;
  email: string;
  role: Role;
  clinic_id: string | null;
}

interface Auth {
  user: User;
  signOut(): Promise<void>;
}

const AuthContext = createContext<Auth | undefined>(undefined);

export function AuthProvider({ value, children }: { value: Auth; children: ReactNode }) {
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** The signed-in user (pages render only when someone is signed in). */
export function useAuth(): Auth {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

export const isStaff = (role: Role): boolean => role === 'clinician' || role === 'nurse' || role === 'admin';
