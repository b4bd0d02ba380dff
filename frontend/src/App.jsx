import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import Layout from "./components/Layout.jsx";
import { Loading } from "./components/ui.jsx";
import { LoginPage, ProfilePage, RegisterPage } from "./features/auth/AuthPages.jsx";
import Landing from "./features/auth/Landing.jsx";
import { PlanPage, PlansPage } from "./features/classPlans/ClassPlanPages.jsx";
import CollectionPage, { SavedPage } from "./features/collections/CollectionPage.jsx";
import GeneratePage from "./features/generate/GeneratePage.jsx";
import RendersPage from "./features/generate/RendersPage.jsx";
import TaskPage from "./features/generate/TaskPage.jsx";
import StaffPage from "./features/staff/StaffPage.jsx";
import { useAuth } from "./lib/auth.jsx";

function SignedIn({ children }) {
  const { user, loading } = useAuth();
  const location = useLocation();
  if (loading) return <Loading />;
  return user ? children : <Navigate to="/login" replace state={{ from: location.pathname }} />;
}

export default function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/register" element={<RegisterPage />} />
        <Route path="/" element={<Landing />} />
        <Route path="/generate" element={<SignedIn><GeneratePage /></SignedIn>} />
        <Route path="/tasks/:taskId" element={<SignedIn><TaskPage /></SignedIn>} />
        <Route path="/renders" element={<SignedIn><RendersPage /></SignedIn>} />
        <Route path="/collection" element={<SignedIn><CollectionPage /></SignedIn>} />
        <Route path="/collection/:savedId" element={<SignedIn><SavedPage /></SignedIn>} />
        <Route path="/profile" element={<SignedIn><ProfilePage /></SignedIn>} />
        <Route path="/class-plans" element={<SignedIn><PlansPage /></SignedIn>} />
        <Route path="/class-plans/:planId" element={<SignedIn><PlanPage /></SignedIn>} />
        <Route path="/staff" element={<SignedIn><StaffPage /></SignedIn>} />
        <Route path="*" element={<p>This page does not exist.</p>} />
      </Route>
    </Routes>
  );
}
